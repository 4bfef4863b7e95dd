/**
 * The KV-events wire codec (vLLM's `vllm/distributed/kv_events.py`): a ZeroMQ PUB multipart message
 * `[topic, seq, payload]`, `seq` an 8-byte big-endian counter from 0 (−1 marks the end of a replay),
 * `payload` the msgpack of an `EventBatch { ts: float seconds, events, data_parallel_rank }`.
 *
 * Two payload layouts exist in the wild and the decoder reads both:
 *  - array layout (msgspec `array_like=True`, what the mocker publishes): `[ts, [events...], dp_rank]`,
 *    an event `['BlockStored', block_hashes, parent_block_hash, token_ids, block_size, lora_id, medium,
 *    lora_name]`, `['BlockRemoved', block_hashes, medium]`, `['AllBlocksCleared']`;
 *  - map layout (newer vLLM): `{ ts, events, data_parallel_rank }`, events as maps tagged by `type`.
 *
 * Hashes on the wire are integers (up to 64 bits, msgpack uint64/int64) or bytes (newer vLLM's
 * sha256-based block hashes). Ours are 53-bit safe integers and round-trip exactly. Approximation: a
 * wider integer or a byte string is folded to a 53-bit key (`hashKey`), which keeps identity between a
 * worker's BlockStored and BlockRemoved events but is not invertible (bytes are hashed with
 * core/block-hash's mixer, wide integers XOR-folded); collisions are as unlikely as for core/block-hash.
 */
import { decode, encode } from '@msgpack/msgpack';
import { hashBlock, ROOT_HASH } from './block-hash.ts';

export const MEDIUM_GPU = 'GPU';

/** One KV cache event as kvlab represents it (hashes already folded to safe-integer keys). */
export type KvCacheEvent =
  | {
      type: 'BlockStored';
      blockHashes: number[];
      parentHash: number | null;
      tokenIds: number[];
      blockSize: number;
      loraId?: number | null;
      medium?: string | null;
    }
  | { type: 'BlockRemoved'; blockHashes: number[]; medium?: string | null }
  | { type: 'AllBlocksCleared' };

/**
 * An event as a publisher sends it: kvlab's safe-integer hashes, or vLLM's unsigned 64-bit block
 * hashes as bigints (core/vllm-block-hash).
 */
export type OutgoingKvEvent =
  | KvCacheEvent
  | {
      type: 'BlockStored';
      blockHashes: bigint[];
      parentHash: bigint | null;
      tokenIds: number[];
      blockSize: number;
      loraId?: number | null;
      medium?: string | null;
    }
  | { type: 'BlockRemoved'; blockHashes: bigint[]; medium?: string | null };

export interface KvEventBatch {
  /** Publisher's wall-clock time, float seconds since the epoch. */
  ts: number;
  events: KvCacheEvent[];
  dataParallelRank: number | null;
}

/**
 * A worker's KV-event messages delivered in-process (the embedded cluster's router and its own
 * workers): each `[topic, seq, payload]` message, as it would go on the wire, handed to the listener
 * synchronously when published. Returns a function that stops the listening.
 */
export interface KvFrameSource {
  listen(onFrames: (frames: readonly Uint8Array[]) => void): () => void;
}

/** Thrown when a payload or frame is not a valid KV-events message. */
export class KvEventDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KvEventDecodeError';
  }
}

const SAFE_MASK = (1n << 53n) - 1n;

/** Fold a wire hash (safe integer, bigint, or bytes) into a non-negative safe-integer key. */
export function hashKey(h: unknown): number {
  if (typeof h === 'number') {
    if (Number.isSafeInteger(h) && h >= 0) return h;
    if (Number.isInteger(h)) return hashKey(BigInt(h));
    throw new KvEventDecodeError(`block hash must be an integer or bytes, got ${h}`);
  }
  if (typeof h === 'bigint') {
    if (h >= 0n && h <= SAFE_MASK) return Number(h);
    const u = BigInt.asUintN(64, h);
    return Number((u & SAFE_MASK) ^ (u >> 53n));
  }
  if (h instanceof Uint8Array) return hashBlock(ROOT_HASH, h, 0, h.length);
  throw new KvEventDecodeError(`block hash must be an integer or bytes, got ${typeof h}`);
}

function wireEvent(e: OutgoingKvEvent): unknown[] {
  switch (e.type) {
    case 'BlockStored':
      return ['BlockStored', e.blockHashes, e.parentHash, e.tokenIds, e.blockSize, e.loraId ?? null, e.medium ?? MEDIUM_GPU, null];
    case 'BlockRemoved':
      return ['BlockRemoved', e.blockHashes, e.medium ?? MEDIUM_GPU];
    case 'AllBlocksCleared':
      return ['AllBlocksCleared'];
  }
}

/**
 * msgpack payload of one batch in the array layout (`ts` float seconds; an integral value is written as
 * a msgpack int, which msgspec accepts for a float field).
 */
export function encodeEventBatch(ts: number, events: readonly OutgoingKvEvent[], dataParallelRank = 0): Uint8Array {
  // bigint hashes need msgpack's 64-bit integer mode (uint64 on the wire); it is off otherwise, so
  // batches of kvlab's own hashes encode exactly as before.
  const wide = events.some((e) => e.type !== 'AllBlocksCleared' && typeof e.blockHashes[0] === 'bigint');
  return encode([ts, events.map(wireEvent), dataParallelRank], wide ? { useBigInt64: true } : undefined);
}

function asArray(x: unknown, what: string): unknown[] {
  if (!Array.isArray(x)) throw new KvEventDecodeError(`${what} must be an array`);
  return x;
}

function hashList(x: unknown, what: string): number[] {
  return asArray(x, what).map(hashKey);
}

function intList(x: unknown, what: string): number[] {
  return asArray(x, what).map((v) => {
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new KvEventDecodeError(`${what} must hold integers`);
    return n;
  });
}

function optInt(x: unknown, what: string): number | null {
  if (x === null || x === undefined) return null;
  const n = typeof x === 'bigint' ? Number(x) : x;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new KvEventDecodeError(`${what} must be an integer or null`);
  return n;
}

function optStr(x: unknown): string | null {
  return typeof x === 'string' ? x : null;
}

/** Field values of one event in field order, from either layout. */
function eventFields(raw: unknown): { tag: string; get: (name: string, index: number) => unknown } {
  if (Array.isArray(raw)) {
    if (typeof raw[0] !== 'string') throw new KvEventDecodeError('event array must start with its type tag');
    return { tag: raw[0], get: (_name, index) => raw[index + 1] };
  }
  if (raw !== null && typeof raw === 'object' && !(raw instanceof Uint8Array)) {
    const obj = raw as Record<string, unknown>;
    if (typeof obj.type !== 'string') throw new KvEventDecodeError('event map must have a string "type" tag');
    return { tag: obj.type, get: (name) => obj[name] };
  }
  throw new KvEventDecodeError('event must be an array or a map');
}

function decodeEvent(raw: unknown): KvCacheEvent {
  const { tag, get } = eventFields(raw);
  switch (tag) {
    case 'BlockStored': {
      const parent = get('parent_block_hash', 1);
      const blockSize = optInt(get('block_size', 3), 'BlockStored.block_size');
      if (blockSize === null) throw new KvEventDecodeError('BlockStored.block_size is missing');
      return {
        type: 'BlockStored',
        blockHashes: hashList(get('block_hashes', 0), 'BlockStored.block_hashes'),
        parentHash: parent === null || parent === undefined ? null : hashKey(parent),
        tokenIds: intList(get('token_ids', 2), 'BlockStored.token_ids'),
        blockSize,
        loraId: optInt(get('lora_id', 4), 'BlockStored.lora_id'),
        medium: optStr(get('medium', 5)),
      };
    }
    case 'BlockRemoved':
      return {
        type: 'BlockRemoved',
        blockHashes: hashList(get('block_hashes', 0), 'BlockRemoved.block_hashes'),
        medium: optStr(get('medium', 1)),
      };
    case 'AllBlocksCleared':
      return { type: 'AllBlocksCleared' };
    default:
      throw new KvEventDecodeError(`unknown KV event type "${tag}"`);
  }
}

/** Decode a msgpack payload in either layout. Throws KvEventDecodeError on anything else. */
export function decodeEventBatch(buf: Uint8Array): KvEventBatch {
  let raw: unknown;
  try {
    raw = decode(buf, { useBigInt64: true });
  } catch (err) {
    throw new KvEventDecodeError(`payload is not msgpack: ${(err as Error).message}`);
  }
  let ts: unknown;
  let events: unknown;
  let rank: unknown;
  if (Array.isArray(raw)) {
    [ts, events, rank] = raw;
  } else if (raw !== null && typeof raw === 'object' && !(raw instanceof Uint8Array)) {
    const obj = raw as Record<string, unknown>;
    ({ ts, events } = obj);
    rank = obj.data_parallel_rank;
  } else {
    throw new KvEventDecodeError('event batch must be an array or a map');
  }
  const tsNum = typeof ts === 'bigint' ? Number(ts) : ts;
  if (typeof tsNum !== 'number' || !Number.isFinite(tsNum)) throw new KvEventDecodeError('event batch ts must be a number');
  return {
    ts: tsNum,
    events: asArray(events, 'event batch events').map(decodeEvent),
    dataParallelRank: optInt(rank, 'event batch data_parallel_rank'),
  };
}

/** The 8-byte big-endian sequence frame. */
export function encodeSeq(seq: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, BigInt(seq), false);
  return out;
}

/** Read a sequence frame (signed: the replay end marker is −1). */
export function decodeSeq(frame: Uint8Array): number {
  if (frame.byteLength !== 8) throw new KvEventDecodeError(`sequence frame must be 8 bytes, got ${frame.byteLength}`);
  return Number(new DataView(frame.buffer, frame.byteOffset, 8).getBigInt64(0, false));
}
