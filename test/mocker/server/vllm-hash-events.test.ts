import { decode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { encodeEventBatch, type OutgoingKvEvent } from '../../../src/core/kv-event-codec.ts';
import { buildWorkerApp } from '../../../src/mocker/server/app.ts';
import { resolveMockerOptions } from '../../../src/mocker/server/options.ts';
import { vllmBlockHashes } from '../../../src/core/vllm-block-hash.ts';
import { vllmQwen3Fixture } from '../../core/tokenizers/hf-fixtures.ts';

const f = vllmQwen3Fixture();

function worker(events: OutgoingKvEvent[], numGpuBlocks = 256, prefixCachingHashAlgo: 'sha256_cbor' | 'sha256' = 'sha256_cbor') {
  return buildWorkerApp({
    options: { speedupRatio: 1e6, blockSize: 16, numGpuBlocks, prefixCachingHashAlgo, hashSeed: f.hash_seed, seed: 1 },
    kvEvents: { publish: (evs) => events.push(...evs) },
  });
}

async function complete(app: ReturnType<typeof worker>, prompt: number[]): Promise<number> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/completions',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ model: 'kvlab-mock', prompt, max_tokens: 1 }),
  });
  return res.statusCode;
}

const stored = (events: OutgoingKvEvent[]) => events.flatMap((e) => (e.type === 'BlockStored' ? e.blockHashes.map(String) : []));

describe('a worker with --prefix-caching-hash-algo sha256_cbor', () => {
  it("publishes BlockStored hashes equal to vLLM's for the same tokens and seed (llm-d's Qwen3 vectors)", async () => {
    const events: OutgoingKvEvent[] = [];
    const app = worker(events);
    expect(await complete(app, f.token_ids)).toBe(200);
    await app.close();
    expect(stored(events)).toEqual(f.block_hashes);
    const first = events.find((e) => e.type === 'BlockStored');
    expect(first?.type === 'BlockStored' && first.parentHash).toBe(null);
  });

  it('sends them as msgpack uint64 in the array layout', () => {
    const h = BigInt(f.block_hashes[0]);
    const batch = encodeEventBatch(1.5, [{ type: 'BlockStored', blockHashes: [h], parentHash: null, tokenIds: f.token_ids.slice(0, 16), blockSize: 16 }]);
    const raw = decode(batch, { useBigInt64: true }) as [number, unknown[][], number];
    expect(raw[1][0].slice(0, 3)).toEqual(['BlockStored', [h], null]);
    expect(Buffer.from(batch).includes(Buffer.concat([Buffer.from([0xcf]), Buffer.from(h.toString(16).padStart(16, '0'), 'hex')]))).toBe(true);
  });

  it('removes evicted blocks under the same vLLM hashes it stored them with', async () => {
    const events: OutgoingKvEvent[] = [];
    const app = worker(events, 30);
    expect(await complete(app, f.token_ids)).toBe(200);
    expect(await complete(app, f.token_ids.map((t) => t + 1))).toBe(200);
    await app.close();
    const removed = events.flatMap((e) => (e.type === 'BlockRemoved' ? e.blockHashes.map(String) : []));
    expect(removed.length).toBeGreaterThan(0);
    for (const h of removed) expect(f.block_hashes).toContain(h);
  });

  it('is refused without token ids in the events', () => {
    expect(() => resolveMockerOptions({ prefixCachingHashAlgo: 'sha256_cbor', kvEventTokenIds: false })).toThrow(/sha256_cbor hashes need token ids/);
  });
});

describe('a worker with --prefix-caching-hash-algo sha256 (pickle)', () => {
  it("publishes BlockStored hashes equal to vLLM's sha256 chain for the same tokens and seed", async () => {
    const events: OutgoingKvEvent[] = [];
    const app = worker(events, 256, 'sha256');
    expect(await complete(app, f.token_ids)).toBe(200);
    await app.close();
    const expected = vllmBlockHashes(f.token_ids, 16, f.hash_seed, 'sha256').map(String);
    expect(expected).toHaveLength(f.block_hashes.length);
    expect(stored(events)).toEqual(expected);
    expect(stored(events)).not.toEqual(f.block_hashes);
  });

  it('is refused without token ids in the events', () => {
    expect(() => resolveMockerOptions({ prefixCachingHashAlgo: 'sha256', kvEventTokenIds: false })).toThrow(/sha256 hashes need token ids/);
  });
});
