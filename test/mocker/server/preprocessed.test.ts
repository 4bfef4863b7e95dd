/**
 * A kvlab worker serving preprocessed prompts (`kvlab_prompt`, core/preprocessed) as a kvlab router
 * sends them: same answer and cache accounting as for the prompt's text, no tokenizing; hash-only
 * prompts only on a worker whose KV events carry no token ids.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockHashes } from '../../../src/core/block-hash.ts';
import { ChatTokenizer } from '../../../src/core/chat-template.ts';
import { loremText } from '../../../src/core/lorem.ts';
import { preprocessedPrompt, workerCapability } from '../../../src/core/preprocessed.ts';
import { createRng } from '../../../src/core/rng.ts';
import type { KvEvent } from '../../../src/mocker/engine/index.ts';
import { buildWorkerApp } from '../../../src/mocker/server/app.ts';

const BS = 16;
const MODEL = 'kvlab-mock';
const messages = [{ role: 'user', content: loremText(createRng('preprocessed'), 100).text }];
const tokens = new ChatTokenizer().encodeChat(messages);
const hashes = blockHashes(tokens, BS);

function worker(kvEventTokenIds: boolean, events: KvEvent[]): FastifyInstance {
  return buildWorkerApp({
    options: { speedupRatio: 1e6, blockSize: BS, numGpuBlocks: 256, kvEventTokenIds, seed: 3 },
    kvEvents: { publish: (evs) => events.push(...(evs as KvEvent[])) },
  });
}

async function post(app: FastifyInstance, body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.statusCode, json: res.json() };
}

const plain = { model: MODEL, messages, max_tokens: 4, ignore_eos: true };
const pre = (hashOnly: boolean) => ({ model: MODEL, max_tokens: 4, ignore_eos: true, kvlab_prompt: preprocessedPrompt(tokens, hashes, workerCapability(BS, hashOnly)) });

describe('a worker given preprocessed prompts', () => {
  const withIds: KvEvent[] = [];
  const hashOnly: KvEvent[] = [];
  let a: FastifyInstance;
  let b: FastifyInstance;
  beforeAll(async () => {
    a = worker(true, withIds);
    b = worker(false, hashOnly);
    await Promise.all([a.ready(), b.ready()]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it('advertises what it takes in /health', async () => {
    expect((await a.inject({ method: 'GET', url: '/health' })).json().kvlab).toEqual(workerCapability(BS, false));
    expect((await b.inject({ method: 'GET', url: '/health' })).json().kvlab).toEqual(workerCapability(BS, true));
  });

  it('answers a prompt given as token ids and hashes like the same prompt given as text, and caches it the same way', async () => {
    const first = await post(a, pre(false));
    expect(first.status).toBe(200);
    expect(first.json.usage).toMatchObject({ prompt_tokens: tokens.length, prompt_tokens_details: { cached_tokens: 0 } });
    const again = await post(a, plain);
    expect(again.json.usage).toMatchObject({ prompt_tokens: tokens.length, prompt_tokens_details: { cached_tokens: Math.floor((tokens.length - 1) / BS) * BS } });
    const stored = withIds.filter((e) => e.type === 'BlockStored');
    expect(stored.flatMap((e) => (e.type === 'BlockStored' ? e.blockHashes : [])).slice(0, hashes.length)).toEqual(hashes);
    expect(stored[0].type === 'BlockStored' && stored[0].tokenIds.length).toBe(hashes.length * BS);
  });

  it('takes hash-only prompts only when its KV events carry no token ids', async () => {
    const refused = await post(a, pre(true));
    expect(refused.status).toBe(400);
    expect(refused.json.error.param).toBe('kvlab_prompt.token_ids');
    const taken = await post(b, pre(true));
    expect(taken.status).toBe(200);
    expect(taken.json.usage.prompt_tokens).toBe(tokens.length);
    const again = await post(b, plain);
    expect(again.json.usage.prompt_tokens_details.cached_tokens).toBe(Math.floor((tokens.length - 1) / BS) * BS);
    const stored = hashOnly.filter((e) => e.type === 'BlockStored');
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.every((e) => e.type === 'BlockStored' && e.tokenIds.length === 0)).toBe(true);
  });

  it('refuses a preprocessed prompt of another block size, naming the field', async () => {
    const other = { ...pre(false), kvlab_prompt: preprocessedPrompt(tokens, blockHashes(tokens, BS * 2), workerCapability(BS * 2, false)) };
    const res = await post(a, other);
    expect(res.status).toBe(400);
    expect(res.json.error.param).toBe('kvlab_prompt.block_size');
  });
});
