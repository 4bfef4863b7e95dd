import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkerApp } from '../../../src/mocker/server/app.ts';
import { parseSse } from './helpers.ts';

describe('SSE stream shape (vLLM-like)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = buildWorkerApp({ name: 'worker-7', options: { speedupRatio: 1000, blockSize: 16 } });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });
  const post = (url: string, body: unknown) =>
    app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  it('chat: data-framed chunks, role first, one token per chunk, finish + timing on the last, usage chunk, [DONE]', async () => {
    const res = await post('/v1/chat/completions', {
      model: 'kvlab-mock',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'part one' }, { type: 'text', text: ' and two' }] }],
      max_tokens: 4,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    expect(res.headers['x-kvlab-worker']).toBe('worker-7');
    expect(res.body.endsWith('data: [DONE]\n\n')).toBe(true);
    const { chunks, done } = parseSse(res.body);
    expect(done).toBe(true);
    expect(chunks).toHaveLength(5);
    const tokens = chunks.slice(0, 4);
    for (const c of chunks) {
      expect(c).toMatchObject({ id: 'chatcmpl-worker-7-0', object: 'chat.completion.chunk', model: 'kvlab-mock' });
      expect(Number.isInteger(c.created)).toBe(true);
    }
    tokens.forEach((c, i) => {
      expect(c.choices).toHaveLength(1);
      expect(c.choices[0].index).toBe(0);
      expect(c.choices[0].logprobs).toBeNull();
      expect(c.choices[0].delta.role).toBe(i === 0 ? 'assistant' : undefined);
      expect(typeof c.choices[0].delta.content).toBe('string');
      expect(c.choices[0].finish_reason).toBe(i === 3 ? 'length' : null);
      expect(c.nvext !== undefined).toBe(i === 3);
    });
    const usage = chunks[4];
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({ completion_tokens: 4, prompt_tokens_details: { cached_tokens: 0 } });
    expect(usage.nvext.timing.first_token_ms).toBeGreaterThanOrEqual(usage.nvext.timing.arrival_ms);
  });

  it('completions: text chunks, no usage chunk unless asked, a one-element prompt list is accepted', async () => {
    const res = await post('/v1/completions', { model: 'kvlab-mock', prompt: ['hello world'], max_tokens: 3, ignore_eos: true, stream: true });
    const { chunks, done } = parseSse(res.body);
    expect(done).toBe(true);
    expect(chunks).toHaveLength(3);
    for (const c of chunks) {
      expect(c.object).toBe('text_completion');
      expect(typeof c.choices[0].text).toBe('string');
      expect(c.usage).toBeUndefined();
    }
    expect(chunks[2].choices[0].finish_reason).toBe('length');
  });

  it('health, models and reset_prefix_cache answer', async () => {
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toMatchObject({ status: 'ok' });
    const models = (await app.inject({ method: 'GET', url: '/v1/models' })).json();
    expect(models).toMatchObject({ object: 'list', data: [{ id: 'kvlab-mock', object: 'model', owned_by: 'kvlab' }] });
    const reset = await app.inject({ method: 'POST', url: '/reset_prefix_cache' });
    expect(reset.statusCode).toBe(200);
    expect(reset.json()).toEqual({ ok: true });
  });
});
