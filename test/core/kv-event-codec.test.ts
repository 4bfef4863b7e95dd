import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import {
  decodeEventBatch,
  decodeSeq,
  encodeEventBatch,
  encodeSeq,
  hashKey,
  KvEventDecodeError,
  type KvCacheEvent,
} from '../../src/core/kv-event-codec.ts';

const stored: KvCacheEvent = {
  type: 'BlockStored',
  blockHashes: [2 ** 40 + 7, 2 ** 52 + 3],
  parentHash: null,
  tokenIds: [1, 2, 3, 4, 5, 6, 7, 8],
  blockSize: 4,
};

describe('kv-event codec', () => {
  it('encodes a batch in vLLM array layout: [ts, [["BlockStored", hashes, parent, tokens, size, lora_id, medium, lora_name]], dp_rank]', () => {
    const bytes = encodeEventBatch(1700000000.5, [stored, { type: 'BlockRemoved', blockHashes: [9] }, { type: 'AllBlocksCleared' }]);
    const expected = encode([
      1700000000.5,
      [
        ['BlockStored', [2 ** 40 + 7, 2 ** 52 + 3], null, [1, 2, 3, 4, 5, 6, 7, 8], 4, null, 'GPU', null],
        ['BlockRemoved', [9], 'GPU'],
        ['AllBlocksCleared'],
      ],
      0,
    ]);
    expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
    // batch is a fixarray of 3 whose first element is a float64 (0xcb)
    expect(bytes[0]).toBe(0x93);
    expect(bytes[1]).toBe(0xcb);
    // hashes above 2^32 travel as msgpack uint64 (0xcf)
    expect(Buffer.from(bytes).includes(0xcf)).toBe(true);
  });

  it('round-trips events with 53-bit hashes exactly', () => {
    const events: KvCacheEvent[] = [
      stored,
      { type: 'BlockStored', blockHashes: [123], parentHash: 2 ** 52 + 3, tokenIds: [9, 9, 9, 9], blockSize: 4 },
      { type: 'BlockRemoved', blockHashes: [2 ** 40 + 7] },
      { type: 'AllBlocksCleared' },
    ];
    const batch = decodeEventBatch(encodeEventBatch(12.25, events));
    expect(batch.ts).toBe(12.25);
    expect(batch.dataParallelRank).toBe(0);
    expect(batch.events).toEqual([
      { ...stored, loraId: null, medium: 'GPU' },
      { type: 'BlockStored', blockHashes: [123], parentHash: 2 ** 52 + 3, tokenIds: [9, 9, 9, 9], blockSize: 4, loraId: null, medium: 'GPU' },
      { type: 'BlockRemoved', blockHashes: [2 ** 40 + 7], medium: 'GPU' },
      { type: 'AllBlocksCleared' },
    ]);
  });

  it('decodes the newer map layout with a type tag and bytes hashes', () => {
    const h1 = new Uint8Array(32).fill(1);
    const h2 = new Uint8Array(32).fill(2);
    const payload = encode({
      ts: 5.5,
      events: [
        { type: 'BlockStored', block_hashes: [h1, h2], parent_block_hash: null, token_ids: [1, 2], block_size: 1, lora_id: null, medium: 'GPU', lora_name: null },
        { type: 'BlockRemoved', block_hashes: [h1], medium: 'GPU' },
        { type: 'AllBlocksCleared' },
      ],
      data_parallel_rank: 3,
    });
    const batch = decodeEventBatch(payload);
    expect(batch.dataParallelRank).toBe(3);
    const [s, r, c] = batch.events;
    expect(s.type).toBe('BlockStored');
    expect(r.type).toBe('BlockRemoved');
    expect(c.type).toBe('AllBlocksCleared');
    if (s.type !== 'BlockStored' || r.type !== 'BlockRemoved') throw new Error('unreachable');
    expect(s.blockHashes[0]).toBe(r.blockHashes[0]);
    expect(s.blockHashes[0]).not.toBe(s.blockHashes[1]);
    for (const h of s.blockHashes) expect(Number.isSafeInteger(h) && h >= 0).toBe(true);
  });

  it('folds 64-bit and negative int64 hashes into stable safe-integer keys', () => {
    const big = 2n ** 63n + 12345n;
    const payload = encode([1.5, [['BlockStored', [big, -5n], null, [1], 1, null, 'GPU'], ['BlockRemoved', [big], 'GPU']], 0], { useBigInt64: true });
    const [s, r] = decodeEventBatch(payload).events;
    if (s.type !== 'BlockStored' || r.type !== 'BlockRemoved') throw new Error('wrong event types');
    expect(s.blockHashes[0]).toBe(r.blockHashes[0]);
    expect(s.blockHashes[0]).toBe(hashKey(big));
    expect(Number.isSafeInteger(s.blockHashes[1])).toBe(true);
    expect(hashKey(big)).not.toBe(hashKey(big + 1n));
  });

  it('rejects malformed payloads with a KvEventDecodeError', () => {
    expect(() => decodeEventBatch(new Uint8Array([0xc1]))).toThrow(KvEventDecodeError);
    expect(() => decodeEventBatch(encode('hello'))).toThrow(/array or a map/);
    expect(() => decodeEventBatch(encode([1.0, [['Nope']], 0]))).toThrow(/unknown KV event type "Nope"/);
    expect(() => decodeEventBatch(encode([1.0, [['BlockStored', 'x', null, [], 4]], 0]))).toThrow(/block_hashes must be an array/);
    expect(() => decodeEventBatch(encode(['later', [], 0]))).toThrow(/ts must be a number/);
  });

  it('writes 8-byte big-endian sequence frames and reads the −1 replay end marker', () => {
    expect([...encodeSeq(0)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...encodeSeq(258)]).toEqual([0, 0, 0, 0, 0, 0, 1, 2]);
    expect(decodeSeq(encodeSeq(2 ** 40))).toBe(2 ** 40);
    expect(decodeSeq(new Uint8Array(8).fill(0xff))).toBe(-1);
    expect(() => decodeSeq(new Uint8Array(4))).toThrow(/8 bytes/);
  });
});
