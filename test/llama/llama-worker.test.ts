/**
 * kvlab llama-worker against llama.cpp itself (a small generated model, one thread, 127.0.0.1): the
 * OpenAI routes, streaming with usage and cached_tokens, slots chosen by shared prefix, queueing, and
 * errors as OpenAI bodies while the server keeps serving. Skips with a message when the binary cannot load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLlamaWorker, type RunningLlamaWorker } from '../../src/llama/start.ts';
import { realEngineSkip, testModelPath } from './helpers.ts';

const skip = await realEngineSkip('test/llama/llama-worker.test.ts');
const MODEL = 'kvlab-tiny-llama';

let w: RunningLlamaWorker;

beforeAll(async () => {
  if (skip) return;
  w = await startLlamaWorker({ gguf: testModelPath(), port: 0, parallel: 2, threads: 1, contextSize: 1024 });
}, 60_000);

afterAll(async () => {
  await w?.close();
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, any>; worker: string | null }> {
  const r = await fetch(w.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json(), worker: r.headers.get('x-kvlab-worker') };
}

async function streamChat(messages: { role: string; content: string }[], maxTokens: number): Promise<{ chunks: any[]; text: string }> {
  const r = await fetch(`${w.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages, max_tokens: maxTokens, ignore_eos: true, stream: true, stream_options: { include_usage: true }, temperature: 0 }),
  });
  expect(r.headers.get('content-type')).toMatch(/text\/event-stream/);
  const raw = await r.text();
  const events = raw.split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
  expect(events.at(-1)).toBe('[DONE]');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
  const text = chunks.flatMap((c) => c.choices.map((ch: any) => ch.delta.content ?? '')).join('');
  return { chunks, text };
}

const words = (n: number, seed: number): string => Array.from({ length: n }, (_, i) => ['river', 'stone', 'light', 'house', 'green', 'water'][(i * 7 + seed) % 6]).join(' ');

describe.skipIf(skip)('llama-worker on llama.cpp', () => {
  it('lists the model with its context length and answers /health', async () => {
    const models = await (await fetch(`${w.url}/v1/models`)).json();
    expect(models.data[0]).toMatchObject({ id: MODEL, max_model_len: 1024 });
    expect(await (await fetch(`${w.url}/health`)).json()).toMatchObject({ status: 'ok', engine: 'llama.cpp' });
  });

  it('streams exactly max_tokens tokens with ignore_eos, then the finish reason, usage and timing', async () => {
    const { chunks } = await streamChat([{ role: 'user', content: words(40, 1) }], 6);
    const tokenChunks = chunks.filter((c) => c.choices.length === 1 && c.choices[0].finish_reason === null);
    expect(tokenChunks).toHaveLength(6);
    expect(tokenChunks[0].choices[0].delta.role).toBe('assistant');
    const usage = chunks.at(-1);
    expect(usage.choices).toEqual([]);
    expect(usage.usage.completion_tokens).toBe(6);
    expect(usage.usage.prompt_tokens).toBeGreaterThan(40);
    expect(chunks.at(-2).choices[0].finish_reason).toBe('length');
    expect(usage.nvext.timing.first_token_ms).toBeGreaterThanOrEqual(usage.nvext.timing.arrival_ms);
  });

  it("reuses a conversation's prefix: the next turn's cached_tokens cover the previous turn's prompt", async () => {
    const history = [{ role: 'user', content: words(60, 2) }];
    const first = await streamChat(history, 5);
    const firstUsage = first.chunks.at(-1).usage;
    // The answer's text re-tokenizes to other tokens than were generated (random weights, byte-level
    // BPE), so the guaranteed reuse is the previous prompt; the first turn found at most the shared
    // leading <|user|> token in some slot.
    expect(firstUsage.prompt_tokens_details.cached_tokens).toBeLessThanOrEqual(1);
    const second = await streamChat([...history, { role: 'assistant', content: first.text }, { role: 'user', content: words(10, 3) }], 5);
    const cached = second.chunks.at(-1).usage.prompt_tokens_details.cached_tokens;
    expect(cached).toBeGreaterThanOrEqual(firstUsage.prompt_tokens);
    expect(cached).toBeLessThan(second.chunks.at(-1).usage.prompt_tokens);
  });

  it('keeps two interleaved conversations on their own slots, each follow-up hitting its own cache', async () => {
    const a = [{ role: 'user', content: `alpha ${words(50, 4)}` }];
    const b = [{ role: 'user', content: `beta ${words(50, 5)}` }];
    const [ra, rb] = await Promise.all([
      post('/v1/chat/completions', { model: MODEL, messages: a, max_tokens: 3, ignore_eos: true, temperature: 0 }),
      post('/v1/chat/completions', { model: MODEL, messages: b, max_tokens: 3, ignore_eos: true, temperature: 0 }),
    ]);
    const next = (h: typeof a, r: typeof ra) => [...h, { role: 'assistant', content: r.json.choices[0].message.content }, { role: 'user', content: 'and then' }];
    const rb2 = await post('/v1/chat/completions', { model: MODEL, messages: next(b, rb), max_tokens: 3, ignore_eos: true });
    const ra2 = await post('/v1/chat/completions', { model: MODEL, messages: next(a, ra), max_tokens: 3, ignore_eos: true });
    expect(ra2.json.usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(ra.json.usage.prompt_tokens);
    expect(rb2.json.usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(rb.json.usage.prompt_tokens);
  });

  it('queues requests beyond its slots and answers every one', async () => {
    const rs = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => post('/v1/completions', { model: MODEL, prompt: `request ${i} ${words(20, i)}`, max_tokens: 4, ignore_eos: true })),
    );
    for (const r of rs) {
      expect(r.status).toBe(200);
      expect(r.json.usage.completion_tokens).toBe(4);
      expect(r.json.object).toBe('text_completion');
    }
  });

  it('takes a prompt of token ids and refuses ids outside the vocabulary', async () => {
    const ok = await post('/v1/completions', { model: MODEL, prompt: [10, 20, 30, 40], max_tokens: 2, ignore_eos: true });
    expect(ok.json.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 2 });
    const bad = await post('/v1/completions', { model: MODEL, prompt: [10, 100000] });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ param: 'prompt', type: 'invalid_request_error' });
  });

  it('answers bad requests with OpenAI-shaped 4xx bodies and keeps serving', async () => {
    const model = await post('/v1/completions', { model: 'other', prompt: 'x' });
    expect(model.status).toBe(404);
    expect(model.worker).toBe('llama-0');
    const long = await post('/v1/completions', { model: MODEL, prompt: words(900, 1), max_tokens: 200 });
    expect(long.status).toBe(400);
    expect(long.json.error.code).toBe('context_length_exceeded');
    const role = await post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'wizard', content: 'x' }] });
    expect(role.status).toBe(400);
    expect(role.json.error.message).toMatch(/role must be one of/);
    const schema = await post('/v1/chat/completions', { model: MODEL, messages: [] });
    expect(schema.status).toBe(400);
    const after = await post('/v1/completions', { model: MODEL, prompt: 'still here', max_tokens: 1 });
    expect(after.status).toBe(200);
  });

  it("counts the requests served in /metrics under vLLM's names", async () => {
    const metrics = await (await fetch(`${w.url}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(value('vllm:generation_tokens_total')).toBeGreaterThanOrEqual(6 + 10 + 12 + 20 + 2);
    expect(value('vllm:prefix_cache_hits_total')).toBeGreaterThan(0);
    expect(value('vllm:num_requests_running')).toBe(0);
    expect(metrics).toContain('vllm:time_to_first_token_seconds_bucket');
  });

  it("with --kvlab-tokens counts a chat's tokens as kvlab does, and a follow-up carrying the answer hits all of it", async () => {
    const { ChatTokenizer } = await import('../../src/core/chat-template.ts');
    const kw = await startLlamaWorker({ gguf: testModelPath(), port: 0, parallel: 1, contextSize: 1024, kvlabTokens: true });
    try {
      const chat = async (messages: { role: string; content: string }[]) => {
        const r = await fetch(`${kw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, messages, max_tokens: 8, ignore_eos: true, temperature: 0 }) });
        return (await r.json()) as Record<string, any>;
      };
      const history = [{ role: 'user', content: words(50, 4) }];
      const first = await chat(history);
      expect(first.usage.prompt_tokens).toBe(new ChatTokenizer().encodeChat(history).length);
      const next = [...history, { role: 'assistant', content: first.choices[0].message.content }, { role: 'user', content: words(5, 5) }];
      const second = await chat(next);
      expect(second.usage.prompt_tokens).toBe(new ChatTokenizer().encodeChat(next).length);
      // the slot holds the first prompt and the answer but its last token (never evaluated)
      expect(second.usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(first.usage.prompt_tokens + 8 - 1);
    } finally {
      await kw.close();
    }
  });

  it('ignore_eos answers run to max_tokens even where the model samples its end-of-generation token', async () => {
    // At temperature 1 the random model emits <|eos|> within a few dozen tokens now and then (seeded).
    const lengths = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(async (seed) => {
        const r = await post('/v1/completions', { model: MODEL, prompt: words(10, seed), max_tokens: 48, ignore_eos: true, temperature: 1, seed });
        return r.json.usage.completion_tokens as number;
      }),
    );
    expect(lengths).toEqual([48, 48, 48, 48, 48, 48]);
  });

  it('frees the model and context on close: the engine refuses new work', async () => {
    const other = await startLlamaWorker({ gguf: testModelPath(), port: 0, parallel: 1, contextSize: 256 });
    await other.close();
    expect(() => other.engine.submit({ prompt: [1], maxTokens: 1, ignoreEos: true, temperature: 0, seed: null }, { onStart() {}, onToken() {}, onEnd() {}, onError() {} })).toThrow(/closed/);
    expect(other.engine.model.disposed).toBe(true);
  });
});

describe('llama-worker start-up errors', () => {
  it('refuses a missing GGUF file with a clear error naming it', async () => {
    await expect(startLlamaWorker({ gguf: '/nonexistent/model.gguf', port: 0 })).rejects.toThrow(/cannot read \/nonexistent\/model.gguf \(ENOENT\)/);
  });
});
