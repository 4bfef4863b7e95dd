import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { apiBase, createTransport, type TransportOptions } from '../../../src/client/http/transport.ts';
import { buildHeaders, parseHeaderFlag } from '../../../src/client/http/headers.ts';
import { backoffDelayMs } from '../../../src/client/http/retry-policy.ts';
import { createRng } from '../../../src/core/rng.ts';
import type { ModelTokenizer } from '../../../src/core/tokenizers/model-tokenizer.ts';
import { json, sse, startFakeHttp, type FakeHttp } from '../helpers/fake-http.ts';
import { MID_STREAM_ERROR, REASONING, VLLM } from './fixtures.ts';
import { waitFor } from '../../helpers/wait.ts';
import { lazyLoremMessage } from '../../../src/client/workloads/messages.ts';
import { outgoingMessage } from '../../../src/client/workloads/json-content.ts';
import { loremTokenArray, tokensToLoremText } from '../../../src/core/lorem.ts';

let srv: FakeHttp;
const FAST = { baseMs: 1, factor: 2, maxMs: 5, jitter: 0.1 };

beforeAll(async () => {
  srv = await startFakeHttp();
});
afterAll(async () => {
  await srv.close();
});

/** Wait until `cond` holds, polling every millisecond (bounded: a test never hangs on it). */
const until = (cond: () => boolean): Promise<void> => waitFor(cond, 'the client to read what was sent', 10_000, 1);

function transport(over: Partial<TransportOptions> = {}) {
  return createTransport({ baseUrl: srv.url, backoff: FAST, ...over });
}

const chat = { model: 'm', messages: [{ role: 'user', content: 'hello there' }], maxTokens: 3, ignoreEos: true };

describe('transport', () => {
  it('streams a chat request with include_usage and reads usage, cached tokens and the worker header', async () => {
    srv.handle = (_req, res) => sse(res, [VLLM.slice(0, 50), VLLM.slice(50)], { 'x-kvlab-worker': 'worker-1' });
    const t = transport({ headers: buildHeaders('sk-test', ['X-Trace: abc']) });
    const r = await t.sendChat({ ...chat, extraBody: { nvext: { agent_hints: { speculative_prefill: true } } } });
    await t.close();
    expect(r).toMatchObject({ ok: true, status: 200, error: null, inputTokens: 12, outputTokens: 3, cachedTokens: 8, worker: 'worker-1', content: 'Héllo wörld ✓', retries: 0 });
    expect(r.ttftMs).not.toBeNull();
    expect(r.e2eMs!).toBeGreaterThanOrEqual(r.ttftMs!);
    const seen = srv.seen.at(-1)!;
    expect(seen.url).toBe('/v1/chat/completions');
    expect(seen.body).toMatchObject({ model: 'm', stream: true, stream_options: { include_usage: true }, max_tokens: 3, ignore_eos: true, nvext: { agent_hints: { speculative_prefill: true } } });
    expect(seen.headers.authorization).toBe('Bearer sk-test');
    expect(seen.headers['x-trace']).toBe('abc');
  });

  it('sends a lorem prompt written from its token ids as the same JSON text', async () => {
    srv.handle = (_req, res) => sse(res, [VLLM]);
    const rng = createRng('transport-lorem');
    const t = transport();
    // Three long prompts one after the other: the later ones are written into the memory of the earlier.
    for (let i = 0; i < 3; i++) {
      const tokens = loremTokenArray(rng, 5_000 - i);
      const r = await t.sendChat({ ...chat, messages: [{ role: 'system', content: 'ö "q"' }, outgoingMessage(lazyLoremMessage('user', [tokens]))] });
      expect(r.ok).toBe(true);
      const seen = srv.seen.at(-1)!;
      expect(seen.body).toEqual({ model: 'm', messages: [{ role: 'system', content: 'ö "q"' }, { role: 'user', content: tokensToLoremText(tokens) }], max_tokens: 3, stream: true, stream_options: { include_usage: true }, ignore_eos: true });
    }
    await t.close();
  });

  it('counts tokens locally when the server sends no usage', async () => {
    const noUsage = VLLM.split('\n\n').filter((e) => !e.includes('"usage"')).join('\n\n');
    srv.handle = (_req, res) => sse(res, [noUsage]);
    const t = transport();
    const r = await t.sendChat(chat);
    await t.close();
    expect(r.ok).toBe(true);
    expect(r.cachedTokens).toBeNull();
    expect(r.outputTokens).toBeGreaterThan(0);
    // The chat template's overhead plus "hello there".
    expect(r.inputTokens).toBeGreaterThan(2);
    expect(r.tpotMs).not.toBeNull();
  });

  it("counts them with the served model's tokenizer when one is given (bench --tokenizer)", async () => {
    const noUsage = VLLM.split('\n\n').filter((e) => !e.includes('"usage"')).join('\n\n');
    srv.handle = (_req, res) => sse(res, [noUsage]);
    const seen: string[] = [];
    const model = {
      countText: (text: string) => (seen.push(text), 7),
      encodeChat: (messages: { content: string }[]) => new Array<number>(40 + messages.length),
    } as unknown as ModelTokenizer;
    const t = transport({ tokenizer: model });
    const r = await t.sendChat(chat);
    await t.close();
    expect(r).toMatchObject({ ok: true, inputTokens: 41, outputTokens: 7 });
    expect(seen).toEqual(['Héllo wörld ✓']);
  });

  it('TTFT counts the first reasoning token, TTFAT the first answer token', async () => {
    let tick = 0;
    srv.handle = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const events = REASONING.split('\n\n').filter(Boolean);
      for (const e of events) {
        const before = tick;
        res.write(`${e}\n\n`);
        await until(() => tick > before); // the client has read it: the next write is a read of its own
      }
      res.end();
    };
    // A clock that advances 1 ms per reading, so each read gets a distinct time.
    const t = transport({ now: () => tick++ });
    const r = await t.sendChat(chat);
    await t.close();
    expect(r.ttftMs).not.toBeNull();
    expect(r.ttfatMs!).toBeGreaterThan(r.ttftMs!);
    expect(r.reasoning).toBe('Let me think. Still thinking.');
    expect(r.content).toBe('Answer');
  });

  it('records a non-2xx answer with its status and message', async () => {
    srv.handle = (_req, res) => json(res, 400, { error: { message: 'too long', type: 'invalid_request_error', param: null, code: 'context_length_exceeded' } });
    const t = transport({ maxRetries: 3 });
    const r = await t.sendChat(chat);
    await t.close();
    expect(r).toMatchObject({ ok: false, status: 400, failure: 'http', retries: 0 });
    expect(r.error).toBe('HTTP 400: too long');
  });

  it('retries 429 and 5xx with backoff and counts the retries', async () => {
    let n = 0;
    srv.handle = (_req, res) => {
      n++;
      if (n === 1) json(res, 429, { error: { message: 'slow down' } }, { 'retry-after': '0' });
      else if (n === 2) json(res, 503, { error: { message: 'busy' } });
      else sse(res, [VLLM]);
    };
    const t = transport({ maxRetries: 5 });
    const r = await t.sendChat(chat);
    await t.close();
    expect(n).toBe(3);
    expect(r).toMatchObject({ ok: true, status: 200, retries: 2 });
  });

  it('a retried request keeps its first send time: TTFT and E2E include the failed attempts and the backoff', async () => {
    // A fake clock the server moves on: 100 ms per failed attempt, and the answer arrives at 300.
    let clockMs = 0;
    let n = 0;
    srv.handle = (_req, res) => {
      n++;
      clockMs = n * 100;
      if (n < 3) json(res, 503, { error: { message: 'busy' } });
      else sse(res, [VLLM]);
    };
    const t = transport({ maxRetries: 5, now: () => clockMs });
    const r = await t.sendChat(chat);
    await t.close();
    expect(n).toBe(3);
    expect(r).toMatchObject({ ok: true, retries: 2, sentAtMs: 0, ttftMs: 300, e2eMs: 300 });
  });

  it('a request that fails after its retries reports E2E from its first attempt', async () => {
    let clockMs = 0;
    let n = 0;
    srv.handle = (_req, res) => {
      n++;
      clockMs = n * 100;
      json(res, 500, { error: { message: 'boom' } });
    };
    const t = transport({ maxRetries: 1, now: () => clockMs });
    const r = await t.sendChat(chat);
    await t.close();
    expect(r).toMatchObject({ ok: false, retries: 1, sentAtMs: 0, e2eMs: 200 });
  });

  it('a request aborted during its backoff counts only the attempts it sent', async () => {
    srv.handle = (_req, res) => json(res, 503, { error: { message: 'busy' } });
    const ac = new AbortController();
    // The backoff draws its jitter once the failed answer is in: that is when the wait begins.
    let backingOff = false;
    const base = createRng('abort-in-backoff');
    const rng = { ...base, uniform: (lo: number, hi: number) => ((backingOff = true), base.uniform(lo, hi)) };
    const t = transport({ maxRetries: 3, rng, backoff: { baseMs: 60_000, factor: 1, maxMs: 60_000, jitter: 0 } });
    const n0 = srv.seen.length;
    const pending = t.sendChat({ ...chat, signal: ac.signal });
    await until(() => backingOff);
    ac.abort();
    const r = await pending;
    await t.close();
    expect(srv.seen.length - n0).toBe(1);
    expect(r).toMatchObject({ ok: false, status: 503, retries: 0 });
  });

  it('gives up after maxRetries and records the last status', async () => {
    srv.handle = (_req, res) => json(res, 500, { error: { message: 'boom' } });
    const t = transport({ maxRetries: 2 });
    const n0 = srv.seen.length;
    const r = await t.sendChat(chat);
    await t.close();
    expect(srv.seen.length - n0).toBe(3);
    expect(r).toMatchObject({ ok: false, status: 500, retries: 2, error: 'HTTP 500: boom' });
  });

  it('records an error object in the middle of a stream as a failed request', async () => {
    srv.handle = (_req, res) => sse(res, [MID_STREAM_ERROR]);
    const t = transport();
    const r = await t.sendChat(chat);
    await t.close();
    expect(r).toMatchObject({ ok: false, failure: 'stream', error: 'stream error: engine died' });
  });

  it('records a stream cut before [DONE] and before any finish_reason as a failure', async () => {
    srv.handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(VLLM.split('\n\n').slice(0, 2).join('\n\n') + '\n\n', () => setTimeout(() => res.destroy(), 20));
    };
    const t = transport();
    const r = await t.sendChat(chat);
    await t.close();
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/stream|DONE/);
  });

  it('sends stream:false without stream_options when streaming is off, and reads the JSON body', async () => {
    srv.handle = (_req, res) =>
      json(res, 200, { choices: [{ index: 0, message: { role: 'assistant', content: 'done' }, finish_reason: 'stop' }], usage: { prompt_tokens: 7, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 0 } } });
    const t = transport({ stream: false });
    const r = await t.sendChat(chat);
    await t.close();
    expect(srv.seen.at(-1)!.body).toMatchObject({ stream: false });
    expect(srv.seen.at(-1)!.body!.stream_options).toBeUndefined();
    expect(r).toMatchObject({ ok: true, content: 'done', inputTokens: 7, outputTokens: 1, cachedTokens: 0, ttftMs: null });
  });

  it('sends completions with a prompt to /v1/completions', async () => {
    srv.handle = (_req, res) => sse(res, ['data: {"choices":[{"text":"xy","finish_reason":"length"}]}\n\n', 'data: [DONE]\n\n']);
    const t = transport();
    const r = await t.sendCompletion({ model: 'm', prompt: 'abc', maxTokens: 2 });
    await t.close();
    expect(srv.seen.at(-1)!.url).toBe('/v1/completions');
    expect(srv.seen.at(-1)!.body).toMatchObject({ prompt: 'abc' });
    expect(r.content).toBe('xy');
  });

  it('times out a request that never answers', async () => {
    srv.handle = () => {
      /* never answer */
    };
    const t = transport({ timeoutMs: 100 });
    const r = await t.sendChat(chat);
    await t.close();
    expect(r).toMatchObject({ ok: false, failure: 'timeout', status: null });
    expect(r.error).toMatch(/timeout after 100 ms/);
  });

  it('marks a request cancelled by its signal as aborted', async () => {
    srv.handle = () => {
      /* never answer */
    };
    const t = transport();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const r = await t.sendChat({ ...chat, signal: ac.signal });
    await t.close();
    expect(r).toMatchObject({ ok: false, failure: 'aborted' });
  });

  it('gives chunks of one socket read one timestamp and each later read its own', async () => {
    const events = VLLM.split('\n\n').filter(Boolean).map((e) => `${e}\n\n`);
    let tick = 0;
    srv.handle = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(events[0] + events[1]); // role chunk + first token in one write
      await until(() => tick >= 2); // read by the client (tick 2)
      res.write(events[2]);
      await until(() => tick >= 3);
      res.end(events.slice(3).join(''));
    };
    const t = transport({ now: () => ++tick });
    const r = await t.sendChat(chat);
    await t.close();
    expect(r.ok).toBe(true);
    // Sent at tick 1; then one clock reading per socket read (2, 3, 4) and one at the end (5).
    expect(r.ttftMs).toBe(1);
    expect(r.itlMs).toEqual([1]);
    expect(r.e2eMs).toBe(4);
  });

  it('cancels a request still waiting for a connection without ever sending it', async () => {
    let release: () => void = () => {};
    srv.handle = (_req, res) => {
      release = () => sse(res, [VLLM]);
    };
    const agent = new Agent({ connections: 1 });
    const t = transport({ dispatcher: agent });
    const n0 = srv.seen.length;
    const first = t.sendChat(chat);
    await until(() => srv.seen.length - n0 === 1); // the first holds the only connection
    const ac = new AbortController();
    const second = t.sendChat({ ...chat, signal: ac.signal });
    ac.abort();
    expect(await second).toMatchObject({ ok: false, failure: 'aborted' });
    release();
    expect(await first).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(srv.seen.length - n0).toBe(1);
    await agent.close();
  });

  it('records connection refused as an error (and retries it) instead of throwing', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const t = createTransport({ baseUrl: `http://127.0.0.1:${port}`, maxRetries: 2, backoff: FAST });
    const r = await t.sendChat(chat);
    await t.close();
    expect(r).toMatchObject({ ok: false, failure: 'connection', retries: 2, status: null });
    expect(r.error).toMatch(/connection error/);
  });

  it('lists models', async () => {
    srv.handle = (_req, res) => json(res, 200, { object: 'list', data: [{ id: 'alpha' }, { id: 'beta' }] });
    const t = transport();
    expect(await t.listModels()).toEqual([
      { id: 'alpha', maxModelLen: null },
      { id: 'beta', maxModelLen: null },
    ]);
    await t.close();
  });
});

describe('URLs, headers and backoff', () => {
  it('normalises base URLs to their /v1 root', () => {
    expect(apiBase('http://h:1')).toBe('http://h:1/v1');
    expect(apiBase('http://h:1/')).toBe('http://h:1/v1');
    expect(apiBase('http://h:1/v1/')).toBe('http://h:1/v1');
    expect(apiBase('http://h:1/proxy')).toBe('http://h:1/proxy/v1');
    expect(() => apiBase('ftp://h')).toThrow(/http/);
    expect(() => apiBase('nope')).toThrow(/invalid URL/);
  });

  it('parses header flags and rejects bad ones with a clear message', () => {
    expect(parseHeaderFlag('X-A:  b c ')).toEqual(['x-a', 'b c']);
    expect(() => parseHeaderFlag('novalue')).toThrow(/Name: value/);
    expect(() => parseHeaderFlag('bad name: x')).toThrow(/not a valid/);
    expect(buildHeaders('k', ['Authorization: Basic z'])).toEqual({ authorization: 'Basic z' });
  });

  it('backoff grows exponentially, is seeded, and honours Retry-After', () => {
    const opts = { baseMs: 100, factor: 2, maxMs: 100_000, jitter: 0.2 };
    const a = [0, 1, 2, 3].map((k) => backoffDelayMs(k, createRng(1), null, opts));
    const b = [0, 1, 2, 3].map((k) => backoffDelayMs(k, createRng(1), null, opts));
    expect(a).toEqual(b);
    a.forEach((d, k) => {
      expect(d).toBeGreaterThanOrEqual(100 * 2 ** k * 0.8);
      expect(d).toBeLessThanOrEqual(100 * 2 ** k * 1.2);
    });
    expect(backoffDelayMs(0, createRng(1), 3, opts)).toBe(3000);
    expect(backoffDelayMs(10, createRng(1), null, { ...opts, maxMs: 500 })).toBe(500);
  });
});
