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

/**
 * Golden bytes: payloads as vLLM's publisher writes them, spelled out by hand from its layout rather
 * than produced by an encoder. vLLM's vllm/distributed/kv_events.py (the array-layout release):
 *
 *   class EventBatch(msgspec.Struct, array_like=True, omit_defaults=True, gc=False):
 *       ts: float; events: list[Any]; data_parallel_rank: int | None = None
 *   class KVCacheEvent(msgspec.Struct, array_like=True, omit_defaults=True, gc=False, tag=True)
 *   class BlockStored(KVCacheEvent): block_hashes, parent_block_hash, token_ids, block_size,
 *       lora_id: int | None, medium: str | None, lora_name: str | None      (no defaults: always written)
 *   class BlockRemoved(KVCacheEvent): block_hashes, medium: str | None
 *   class AllBlocksCleared(KVCacheEvent)
 *
 * msgspec writes an array_like struct as a msgpack array, a tagged one with its class name first, a
 * float as float64 (0xcb), an int in the smallest msgpack int that holds it, and with omit_defaults
 * leaves out trailing fields still at their default (a batch whose data_parallel_rank is None is a
 * 2-element array).
 */
const hex = (...parts: string[]): Uint8Array => Uint8Array.from(Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex'));

/** KVEventBatch(ts=1.5, events=[BlockStored([1, 2], None, [7, 8, 9, 10], 2, None, 'GPU', None)], data_parallel_rank=0) */
const GOLDEN_STORED = hex(
  '93', //                                   batch: array of 3
  'cb 3ff8000000000000', //                  ts 1.5 (float64)
  '91', //                                   events: array of 1
  '98', //                                   BlockStored: tag + 7 fields
  'ab 426c6f636b53746f726564', //            "BlockStored"
  '92 01 02', //                             block_hashes [1, 2]
  'c0', //                                   parent_block_hash None
  '94 07 08 09 0a', //                       token_ids [7, 8, 9, 10]
  '02', //                                   block_size 2
  'c0', //                                   lora_id None
  'a3 475055', //                            medium "GPU"
  'c0', //                                   lora_name None
  '00', //                                   data_parallel_rank 0
);

/**
 * KVEventBatch(ts=2.25, events=[BlockRemoved([2**40 + 7], 'GPU'), AllBlocksCleared(),
 * BlockStored([300], 1, [5, 6], 2, None, 'GPU', None)]) with data_parallel_rank None, omitted.
 */
const GOLDEN_MIXED_NO_RANK = hex(
  '92', //                                   batch: array of 2 (data_parallel_rank left out)
  'cb 4002000000000000', //                  ts 2.25
  '93', //                                   events: array of 3
  '93 ac 426c6f636b52656d6f766564', //       BlockRemoved: tag + 2 fields, "BlockRemoved"
  '91 cf 0000010000000007', //               block_hashes [2**40 + 7] (uint64)
  'a3 475055', //                            medium "GPU"
  '91 b0 416c6c426c6f636b73436c6561726564', // AllBlocksCleared: tag only
  '98 ab 426c6f636b53746f726564', //         BlockStored
  '91 cd 012c', //                           block_hashes [300] (uint16)
  '01', //                                   parent_block_hash 1
  '92 05 06', //                             token_ids [5, 6]
  '02 c0 a3 475055 c0', //                   block_size 2, lora_id None, medium "GPU", lora_name None
);

describe('kv-event codec against vLLM golden bytes', () => {
  it("encodes a BlockStored batch byte for byte as vLLM's msgspec encoder does", () => {
    const bytes = encodeEventBatch(1.5, [{ type: 'BlockStored', blockHashes: [1, 2], parentHash: null, tokenIds: [7, 8, 9, 10], blockSize: 2 }], 0);
    expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(GOLDEN_STORED).toString('hex'));
  });

  it("decodes vLLM's BlockStored batch", () => {
    expect(decodeEventBatch(GOLDEN_STORED)).toEqual({
      ts: 1.5,
      events: [{ type: 'BlockStored', blockHashes: [1, 2], parentHash: null, tokenIds: [7, 8, 9, 10], blockSize: 2, loraId: null, medium: 'GPU' }],
      dataParallelRank: 0,
    });
  });

  it('decodes a batch whose data_parallel_rank msgspec omitted, with BlockRemoved, AllBlocksCleared and a 64-bit hash', () => {
    expect(decodeEventBatch(GOLDEN_MIXED_NO_RANK)).toEqual({
      ts: 2.25,
      events: [
        { type: 'BlockRemoved', blockHashes: [2 ** 40 + 7], medium: 'GPU' },
        { type: 'AllBlocksCleared' },
        { type: 'BlockStored', blockHashes: [300], parentHash: 1, tokenIds: [5, 6], blockSize: 2, loraId: null, medium: 'GPU' },
      ],
      dataParallelRank: null,
    });
  });
});
