import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockHashes } from '../../src/core/block-hash.ts';
import { createRng } from '../../src/core/rng.ts';
import type { HfModelTokenizer } from '../../src/core/tokenizers/hf-tokenizer.ts';
import { startCluster, type RunningCluster } from '../../src/lab/cluster.ts';
import { llama31 } from '../core/tokenizers/hf-fixtures.ts';
import { chat, metricValues, waitFor } from '../router-sim/helpers.ts';

const BS = 16;
const MODEL = 'kvlab-mock';
let tok: HfModelTokenizer;
let c: RunningCluster;

beforeAll(async () => {
  tok = llama31();
  // Workers that tokenize for themselves (no preprocessed prompts), as real vLLM workers do, and
  // publish vLLM's block hashes; the router re-hashes the events' token ids.
  c = await startCluster({
    numWorkers: 2,
    mocker: { speedupRatio: 1000, seed: 5, blockSize: BS, prefixCachingHashAlgo: 'sha256_cbor', hashSeed: '42' },
    router: { mode: 'kv', port: 0, preprocess: false },
    tokenizer: tok,
  });
}, 120_000);
afterAll(async () => c?.close());

type Msg = { role: string; content: string };

describe('kvlab router with --tokenizer, next to workers of the same model', () => {
  it("predicts exactly the cached tokens Llama-3.1 workers report over multi-turn chats (vLLM hashes in the events)", async () => {
    const rng = createRng('exact-overlap');
    const conversations: Msg[][] = [0, 1, 2].map((k) => [{ role: 'system', content: `You are assistant number ${k}. Keep answers short.` }]);
    let reported = 0;
    let prompts = 0;
    for (let turn = 0; turn < 6; turn++) {
      for (const messages of conversations) {
        messages.push({ role: 'user', content: `Turn ${turn}: tell me about the ${['river', 'mountain', 'city'][rng.int(0, 2)]} (${rng.int(0, 1e6)}).` });
        const res = await chat(c.url, { model: MODEL, messages, max_tokens: 40 });
        expect(res.status).toBe(200);
        expect(res.promptTokens).toBe(tok.encodeChat(messages).length);
        reported += res.cachedTokens ?? 0;
        prompts += res.promptTokens ?? 0;
        // The worker's cache now holds the prompt and the answer but its last token (never fed back).
        const cached = [...tok.encodeChat(messages), ...tok.encodeRendered(res.content)].slice(0, -1);
        const hashes = blockHashes(cached, BS);
        const w = Number(res.worker!.split('-')[1]);
        await waitFor(() => c.router.state.core.indexer.overlaps(hashes)[w] === hashes.length, `KV events of ${res.worker} to reach the router`);
        messages.push({ role: 'assistant', content: res.content });
      }
    }
    const text = await (await fetch(`${c.url}/metrics`)).text();
    const predicted = (metricValues(text, 'kvlab_router_overlap_blocks_sum').get('') ?? NaN) * BS;
    expect(reported).toBeGreaterThan(0.5 * prompts);
    expect(Math.abs(predicted - reported)).toBeLessThanOrEqual(0.01 * reported);
  }, 120_000);
});
