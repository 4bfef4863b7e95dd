import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatTokenizer } from '../../../src/core/chat-template.ts';
import { createRng } from '../../../src/core/rng.ts';
import { loremText } from '../../../src/core/lorem.ts';
import { encode } from '../../../src/core/tokenizer.ts';
import { startMocker, type RunningMocker } from '../../../src/mocker/server/start.ts';

const MODEL = 'kvlab-mock';
const BS = 16;

type Msg = { role: 'user' | 'assistant' | 'system'; content: string };

/** Stream a chat completion with the official client; returns the text parts and the usage. */
async function streamChat(client: OpenAI, messages: Msg[], extra: Record<string, unknown> = {}) {
  const stream = await client.chat.completions.create({
    model: MODEL,
    messages,
    stream: true,
    stream_options: { include_usage: true },
    ...extra,
  } as OpenAI.Chat.ChatCompletionCreateParamsStreaming);
  let content = '';
  let reasoning = '';
  let roleChunks = 0;
  let contentChunks = 0;
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | undefined;
  let timing: { arrival_ms: number; first_token_ms: number } | undefined;
  for await (const chunk of stream) {
    const c = chunk as typeof chunk & { nvext?: { timing: { arrival_ms: number; first_token_ms: number } } };
    if (c.nvext) timing = c.nvext.timing;
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      const delta = choice.delta as typeof choice.delta & { reasoning_content?: string };
      if (delta.role) roleChunks++;
      if (delta.content) {
        content += delta.content;
        contentChunks++;
      }
      if (delta.reasoning_content) reasoning += delta.reasoning_content;
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  return { content, reasoning, roleChunks, contentChunks, finish, usage, timing };
}

const fullBlocks = (n: number) => Math.floor(n / BS) * BS;

describe('the official openai client against the mock server', () => {
  let mocker: RunningMocker;
  let client: OpenAI;

  beforeAll(async () => {
    mocker = await startMocker({ port: 0, speedupRatio: 1000, blockSize: BS, seed: 3 });
    client = new OpenAI({ baseURL: `${mocker.workers[0].url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await mocker.close();
  });

  it('lists the served model', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([MODEL]);
  });

  it('non-streaming chat: text that re-tokenizes to completion_tokens, usage, timing stamp and worker header', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'Tell me a story about caches.' }], max_tokens: 12, ignore_eos: true } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
      .withResponse();
    expect(response.headers.get('x-kvlab-worker')).toBe('worker-0');
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0].finish_reason).toBe('length');
    expect(data.usage?.completion_tokens).toBe(12);
    expect(encode(data.choices[0].message.content ?? '')).toHaveLength(12);
    const prompt = new ChatTokenizer().encodeChat([{ role: 'user', content: 'Tell me a story about caches.' }]);
    expect(data.usage?.prompt_tokens).toBe(prompt.length);
    expect(data.usage?.total_tokens).toBe(prompt.length + 12);
    const timing = (data as unknown as { nvext: { timing: { arrival_ms: number; first_token_ms: number } } }).nvext.timing;
    expect(timing.first_token_ms).toBeGreaterThanOrEqual(timing.arrival_ms);
  });

  it('streaming chat: role on the first chunk, one content chunk per token, usage chunk, and a repeated prompt reports cached tokens', async () => {
    const long = loremText(createRng('long prompt'), 200).text;
    const messages: Msg[] = [{ role: 'user', content: long }];
    const first = await streamChat(client, messages, { max_tokens: 20, min_tokens: 5 });
    expect(first.roleChunks).toBe(1);
    expect(first.usage).toBeDefined();
    expect(first.contentChunks).toBe(first.usage!.completion_tokens);
    expect(first.usage!.completion_tokens).toBeGreaterThanOrEqual(5);
    expect(first.usage!.completion_tokens).toBeLessThanOrEqual(20);
    expect(first.finish).toBe(first.usage!.completion_tokens === 20 ? 'length' : 'stop');
    expect(encode(first.content)).toHaveLength(first.usage!.completion_tokens);
    expect(first.usage!.prompt_tokens_details?.cached_tokens).toBe(0);
    expect(first.timing).toBeDefined();

    const again = await streamChat(client, messages, { max_tokens: 5 });
    const cached = again.usage!.prompt_tokens_details?.cached_tokens ?? 0;
    expect(cached).toBeGreaterThan(0);
    expect(cached).toBe(Math.min(fullBlocks(again.usage!.prompt_tokens), again.usage!.prompt_tokens - 1));
  });

  it('a request seed gives the same answer twice; the server seed varies answers across requests', async () => {
    const ask = (seed?: number) =>
      client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'same question' }], max_tokens: 30, ...(seed !== undefined ? { seed } : {}) });
    const [a, b] = [await ask(42), await ask(42)];
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
    const [c, d] = [await ask(), await ask()];
    expect(c.choices[0].message.content).not.toBe(d.choices[0].message.content);
  });

  it('completions: streaming and non-streaming, with a string or token-id prompt', async () => {
    const full = await client.completions.create({ model: MODEL, prompt: 'Once upon a time', max_tokens: 7, ignore_eos: true } as OpenAI.CompletionCreateParamsNonStreaming);
    expect(full.object).toBe('text_completion');
    expect(full.usage?.completion_tokens).toBe(7);
    expect(full.usage?.prompt_tokens).toBe(encode('Once upon a time').length);
    expect(encode(full.choices[0].text)).toHaveLength(7);

    const ids = encode(loremText(createRng('ids'), 40).text);
    const stream = await client.completions.create({ model: MODEL, prompt: ids, max_tokens: 6, ignore_eos: true, stream: true, stream_options: { include_usage: true } } as OpenAI.CompletionCreateParamsStreaming);
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        text += c.text;
        if (c.finish_reason) finish = c.finish_reason;
      }
    }
    expect(encode(text)).toHaveLength(6);
    expect(finish).toBe('length');
    expect(usage?.prompt_tokens).toBe(ids.length);
    // the same ids again hit the cache
    const again = await client.completions.create({ model: MODEL, prompt: ids, max_tokens: 1 });
    expect(again.usage?.prompt_tokens_details?.cached_tokens).toBe(fullBlocks(ids.length));
  });

  it('a follow-up chat turn hits the cache for the previous prompt and the streamed answer', async () => {
    const history: Msg[] = [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: loremText(createRng('turn-1'), 90).text },
    ];
    const turn1 = await streamChat(client, history, { max_tokens: 45, ignore_eos: true });
    const p1 = turn1.usage!.prompt_tokens;
    const a1 = turn1.usage!.completion_tokens;
    expect(a1).toBe(45);
    history.push({ role: 'assistant', content: turn1.content }, { role: 'user', content: 'And then?' });
    const turn2 = await streamChat(client, history, { max_tokens: 5 });
    const cached = turn2.usage!.prompt_tokens_details!.cached_tokens;
    expect(cached).toBeGreaterThanOrEqual(fullBlocks(p1 + a1));
    expect(cached).toBeLessThan(turn2.usage!.prompt_tokens);
  });
});

describe('reasoning mode', () => {
  let mocker: RunningMocker;
  let client: OpenAI;

  beforeAll(async () => {
    mocker = await startMocker({ port: 0, speedupRatio: 1000, blockSize: BS, reasoningRatio: 0.5 });
    client = new OpenAI({ baseURL: `${mocker.workers[0].url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await mocker.close();
  });

  it('streams the first half as reasoning_content, and the follow-up (thinking dropped) does not hit the answer', async () => {
    const history: Msg[] = [{ role: 'user', content: loremText(createRng('think'), 100).text }];
    const turn1 = await streamChat(client, history, { max_tokens: 40, ignore_eos: true });
    expect(encode(turn1.reasoning)).toHaveLength(20);
    expect(encode(turn1.content)).toHaveLength(20);
    const p1 = turn1.usage!.prompt_tokens;
    history.push({ role: 'assistant', content: turn1.content }, { role: 'user', content: 'More.' });
    const turn2 = await streamChat(client, history, { max_tokens: 3 });
    const cached = turn2.usage!.prompt_tokens_details!.cached_tokens;
    expect(cached).toBeGreaterThanOrEqual(fullBlocks(p1));
    expect(cached).toBeLessThan(fullBlocks(p1 + 20));
  });

  it('non-streaming puts the thinking in message.reasoning_content; completions have no reasoning', async () => {
    const res = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hm' }], max_tokens: 10, ignore_eos: true } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);
    const msg = res.choices[0].message as typeof res.choices[0]['message'] & { reasoning_content?: string };
    expect(encode(msg.reasoning_content ?? '')).toHaveLength(5);
    expect(encode(msg.content ?? '')).toHaveLength(5);
    const text = await client.completions.create({ model: MODEL, prompt: 'hm', max_tokens: 4, ignore_eos: true } as OpenAI.CompletionCreateParamsNonStreaming);
    expect(encode(text.choices[0].text)).toHaveLength(4);
  });
});
