import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HfModelTokenizer } from '../../../src/core/tokenizers/hf-tokenizer.ts';
import { buildWorkerApp } from '../../../src/mocker/server/app.ts';
import { strictQwen3 } from '../../core/tokenizers/hf-fixtures.ts';

let tok: HfModelTokenizer;
let app: FastifyInstance;
beforeAll(() => {
  tok = strictQwen3();
  app = buildWorkerApp({ options: { speedupRatio: 1e6, seed: 2, reasoningRatio: 0.5 }, tokenizer: tok });
}, 60_000);
afterAll(async () => app?.close());

async function post(url: string, body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const res = await app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.statusCode, json: res.json() };
}

describe('a worker with a Hugging Face tokenizer', () => {
  it("counts prompt tokens with the model's chat template and answers in words that re-tokenize (reasoning and content apart)", async () => {
    const messages = [{ role: 'user', content: 'Hello world!' }];
    const r = await post('/v1/chat/completions', { model: 'kvlab-mock', messages, max_tokens: 20, ignore_eos: true });
    expect(r.status).toBe(200);
    expect(r.json.usage.prompt_tokens).toBe(11);
    const { content, reasoning_content: reasoning } = r.json.choices[0].message;
    expect(tok.encodeText(reasoning).length + tok.encodeText(content).length).toBe(20);
    const next = [...messages, { role: 'assistant', content }, { role: 'user', content: 'more' }];
    const again = await post('/v1/chat/completions', { model: 'kvlab-mock', messages: next, max_tokens: 1 });
    expect(again.json.usage.prompt_tokens).toBe(tok.encodeChat(next).length);
  });

  it("answers a template failure with an OpenAI-shaped 400 naming messages, and keeps serving", async () => {
    const r = await post('/v1/chat/completions', { model: 'kvlab-mock', messages: [{ role: 'user', content: 'x' }, { role: 'tool', content: 'y', tool_call_id: 't1' }], max_tokens: 2 });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ type: 'invalid_request_error', param: 'messages' });
    expect(r.json.error.message).toMatch(/tool messages are not supported/);
    expect((await post('/v1/chat/completions', { model: 'kvlab-mock', messages: [{ role: 'user', content: 'x' }], max_tokens: 2 })).status).toBe(200);
  });

  it("checks completion token ids against the model's vocabulary", async () => {
    expect((await post('/v1/completions', { model: 'kvlab-mock', prompt: [9707, 1879], max_tokens: 2 })).status).toBe(200);
    const r = await post('/v1/completions', { model: 'kvlab-mock', prompt: [9707, 190000], max_tokens: 2 });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/token id 190000 at index 1 is out of vocabulary/);
  });

  it('advertises its own tokenizer identity, so a router with another tokenizer never sends it token ids', async () => {
    const health = (await app.inject({ method: 'GET', url: '/health' })).json();
    expect(health.kvlab.tokenizer).toMatch(/^hf:[0-9a-f]{16}$/);
    expect(health.kvlab.tokenizer).toBe(tok.id);
  });
});
