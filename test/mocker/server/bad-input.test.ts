import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '../../../src/core/openai-schemas.ts';
import { Engine } from '../../../src/mocker/engine/index.ts';
import { buildWorkerApp } from '../../../src/mocker/server/app.ts';
import { MAX_TOKEN_BYTES } from '../../../src/mocker/server/prompt.ts';
import { engineConfigOf, resolveMockerOptions } from '../../../src/mocker/server/options.ts';
import { until } from './helpers.ts';

const errorBody = TypeCompiler.Compile(ErrorBody);
const MODEL = 'kvlab-mock';
const chat = (extra: Record<string, unknown> = {}) => ({ model: MODEL, messages: [{ role: 'user', content: 'hello there' }], max_tokens: 3, ...extra });

type Injected = Awaited<ReturnType<FastifyInstance['inject']>>;

function expectError(res: Injected, status: number, code: string, param?: string | null): Record<string, any> {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['x-kvlab-worker']).toBe('worker-0');
  const body = res.json();
  expect(errorBody.Check(body), res.body).toBe(true);
  expect(body.error.code).toBe(code);
  if (param !== undefined) expect(body.error.param).toBe(param);
  return body.error;
}

describe('bad input gets an OpenAI error body with the right status, and the server keeps serving', () => {
  let app: FastifyInstance;
  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers: { 'content-type': 'application/json', ...headers } });
  const good = async () => {
    const res = await post('/v1/chat/completions', chat());
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().usage.completion_tokens).toBeGreaterThan(0);
  };

  beforeAll(async () => {
    app = buildWorkerApp({ options: { speedupRatio: 1000, maxModelLen: 256, blockSize: 16, bodyLimit: 64 * 1024, maxTokensLimit: 100 } });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('malformed JSON → 400 invalid_json', async () => {
    expectError(await post('/v1/chat/completions', '{"model": '), 400, 'invalid_json');
    await good();
  });

  it('missing or ill-typed fields → 400 naming the field', async () => {
    expectError(await post('/v1/chat/completions', { model: MODEL }), 400, 'invalid_request', 'messages');
    expectError(await post('/v1/chat/completions', chat({ max_tokens: '5' })), 400, 'invalid_request', 'max_tokens');
    expectError(await post('/v1/chat/completions', chat({ messages: [{ role: 'user', content: 5 }] })), 400, 'invalid_request');
    expectError(await post('/v1/completions', { model: MODEL, prompt: 'x', max_tokens: 0 }), 400, 'invalid_request', 'max_tokens');
    expectError(await post('/v1/chat/completions', chat({ max_tokens: 5, min_tokens: 9 })), 400, 'invalid_request', 'min_tokens');
    await good();
  });

  it('n > 1 → 400 n_not_supported; more than one completion prompt → 400', async () => {
    expectError(await post('/v1/chat/completions', chat({ n: 2 })), 400, 'n_not_supported', 'n');
    expectError(await post('/v1/completions', { model: MODEL, prompt: ['a', 'b'], max_tokens: 2 }), 400, 'invalid_request', 'prompt');
    expectError(await post('/v1/completions', { model: MODEL, prompt: [[1, 2], [3]], max_tokens: 2 }), 400, 'invalid_request', 'prompt');
    expectError(await post('/v1/completions', { model: MODEL, prompt: [999999999], max_tokens: 2 }), 400, 'invalid_request', 'prompt');
    await good();
  });

  it('unknown model → 404 model_not_found', async () => {
    const err = expectError(await post('/v1/chat/completions', chat({ model: 'gpt-17' })), 404, 'model_not_found', 'model');
    expect(err.message).toContain('gpt-17');
    await good();
  });

  it('prompt + max_tokens over max-model-len → 400 with the vLLM message; far too long prompts are refused before tokenizing', async () => {
    const words = Array.from({ length: 240 }, () => 'hello').join(' ');
    const err = expectError(await post('/v1/chat/completions', chat({ messages: [{ role: 'user', content: words }], max_tokens: 50 })), 400, 'context_length_exceeded');
    expect(err.message).toMatch(/maximum context length is 256 tokens\. However, you requested \d+ tokens \(\d+ in the messages, 50 in the completion\)/);
    // without max_tokens: only a prompt that leaves no room is refused
    expectError(await post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: words + ' ' + words }] }), 400, 'context_length_exceeded');
    const huge = 'a'.repeat(256 * MAX_TOKEN_BYTES + 1);
    const quick = expectError(await post('/v1/completions', { model: MODEL, prompt: huge, max_tokens: 1 }), 400, 'context_length_exceeded');
    expect(quick.message).toMatch(/at least 257 tokens/);
    await good();
  });

  it('max_tokens over the bound → 400', async () => {
    const err = expectError(await post('/v1/chat/completions', chat({ max_tokens: 101 })), 400, 'invalid_request', 'max_tokens');
    expect(err.message).toContain('at most 100');
    expectError(await post('/v1/chat/completions', chat({ max_tokens: undefined, max_completion_tokens: 150 })), 400, 'invalid_request', 'max_completion_tokens');
    await good();
  });

  it('body over the limit → 413 before parsing', async () => {
    const res = await post('/v1/chat/completions', '{' + ' '.repeat(70 * 1024) + '}');
    const err = expectError(res, 413, 'body_too_large');
    expect(err.message).toContain(String(64 * 1024));
    await good();
  });

  it('unknown route → 404, wrong content type → 415', async () => {
    expectError(await app.inject({ method: 'GET', url: '/v2/nothing' }), 404, 'not_found');
    expectError(await post('/v1/chat/completions', 'hello', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    await good();
  });

  it('x-kvlab-fail injects the given status; a bad header value is a 400', async () => {
    expectError(await post('/v1/chat/completions', chat(), { 'x-kvlab-fail': '503' }), 503, 'injected_failure');
    expectError(await post('/v1/completions', { model: MODEL, prompt: 'hi', max_tokens: 2 }, { 'x-kvlab-fail': '429' }), 429, 'injected_failure');
    expectError(await post('/v1/chat/completions', chat(), { 'x-kvlab-fail': 'soon' }), 400, 'invalid_request', 'x-kvlab-fail');
    await good();
  });
});

describe('server-level limits and switches', () => {
  const apps: FastifyInstance[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });
  const make = (options: Parameters<typeof buildWorkerApp>[0]) => {
    const app = buildWorkerApp(options);
    apps.push(app);
    return app;
  };
  const json = { 'content-type': 'application/json' };

  it('--api-key: missing or wrong bearer → 401; the right key passes; /health stays open', async () => {
    const app = make({ options: { apiKey: 'sekret', speedupRatio: 1000 } });
    const send = (auth?: string) =>
      app.inject({ method: 'POST', url: '/v1/chat/completions', payload: JSON.stringify(chat()), headers: { ...json, ...(auth ? { authorization: auth } : {}) } });
    expectError(await send(), 401, 'unauthorized');
    expectError(await send('Bearer sekreT'), 401, 'unauthorized');
    expectError(await send('Bearer sekret-and-more'), 401, 'unauthorized');
    expectError(await app.inject({ method: 'GET', url: '/v1/models' }), 401, 'unauthorized');
    expect((await send('Bearer sekret')).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it('a full waiting queue → 429, and queued requests still complete', async () => {
    const options = resolveMockerOptions({ maxNumSeqs: 1, maxWaiting: 1, speedupRatio: 20, blockSize: 16 });
    const engine = new Engine(engineConfigOf(options));
    const app = make({ options, engine });
    const send = () =>
      app.inject({ method: 'POST', url: '/v1/chat/completions', payload: JSON.stringify(chat({ max_tokens: 60, ignore_eos: true })), headers: json });
    const a = send();
    await until(() => engine.stats().running === 1, 'first request running');
    const b = send();
    await until(() => engine.stats().waiting === 1, 'second request waiting');
    const err = expectError(await send(), 429, 'queue_full');
    expect(err.message).toContain('limit 1');
    expect((await a).statusCode).toBe(200);
    expect((await b).statusCode).toBe(200);
    expect((await send()).statusCode).toBe(200);
  });

  it('failureRate fails a seeded share of requests with the configured codes, reproducibly', async () => {
    const pattern = async () => {
      const app = make({ options: { failureRate: 0.5, failureCodes: [502, 503], seed: 7, speedupRatio: 1000 } });
      const statuses: number[] = [];
      for (let i = 0; i < 24; i++) {
        const res = await app.inject({ method: 'POST', url: '/v1/completions', payload: JSON.stringify({ model: MODEL, prompt: 'hi', max_tokens: 1 }), headers: json });
        statuses.push(res.statusCode);
        if (res.statusCode !== 200) expect(res.json().error.code).toBe('injected_failure');
      }
      return statuses;
    };
    const first = await pattern();
    expect(new Set(first)).toEqual(new Set([200, 502, 503]));
    expect(await pattern()).toEqual(first);
  });

  it('prompt + answer that can never fit the KV capacity → 400, not a crash', async () => {
    const app = make({ options: { numGpuBlocks: 4, blockSize: 16, speedupRatio: 1000 } });
    const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: JSON.stringify(chat({ max_tokens: 80, ignore_eos: true })), headers: json });
    expectError(res, 400, 'invalid_request');
    expect((await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: JSON.stringify(chat({ max_tokens: 4 })), headers: json })).statusCode).toBe(200);
  });

  it('invalid options are refused naming the field', () => {
    expect(() => buildWorkerApp({ options: { blockSize: 0 } })).toThrow(/blockSize/);
    expect(() => buildWorkerApp({ options: { failureCodes: [200] } })).toThrow(/failureCodes/);
    expect(() => buildWorkerApp({ options: { reasoningRatio: 1.5 } })).toThrow(/reasoningRatio/);
  });
});
