/**
 * vLLM's block hashes (`--prefix-caching-hash-algo sha256_cbor` or `sha256`), so KV events carry the hashes a
 * router that hashes prompts itself (llm-d's precise prefix-cache scorer) computes for the same
 * tokens. As vLLM v1 does (`vllm/v1/core/kv_cache_utils.py`, `hash_block_tokens`), block i's hash is
 * the hash of the tuple (parent hash, the block's token ids, extra keys) — here extra keys are always
 * None: no LoRA, multimodal or cache-salt inputs — serialised as canonical CBOR (`sha256_cbor`) or
 * as CPython's pickle (`sha256`, vllm-pickle.ts) and hashed with SHA-256, kept as the digest's last 8 bytes read big-endian (an unsigned 64-bit integer, what vLLM's
 * KV events and llm-d's kv-cache manager carry). The first block's parent is NONE_HASH, the same hash
 * of the seed string (vLLM's PYTHONHASHSEED; `--hash-seed`). Verified against vLLM's own hashes of a
 * Qwen3 prompt kept in llm-d's test data (test/fixtures/vllm-qwen3-block-hashes.json); `sha256`
 * against digests CPython's own pickle and hashlib computed with vLLM's formula
 * (test/fixtures/vllm-sha256-pickle-vectors.json).
 *
 * Only the CBOR this needs is encoded: unsigned integers, text strings, arrays and null. Not
 * implemented: Python's `builtin` hash(), which older vLLM offered: it depends on the process's
 * PYTHONHASHSEED-randomised string hashing and is gone from current vLLM (get_hash_fn_by_name
 * knows sha256 and sha256_cbor only).
 */
import { createHash } from 'node:crypto';
import { pickleBlockKey, pickleString } from './vllm-pickle.ts';

/** The hash algorithms `--prefix-caching-hash-algo` takes: kvlab's own, and vLLM's sha256_cbor and sha256. */
export const HASH_ALGOS = ['builtin-kvlab', 'sha256_cbor', 'sha256'] as const;
export type HashAlgo = (typeof HASH_ALGOS)[number];
/** vLLM's algorithms (block hashes computed from token ids). */
export type VllmHashAlgo = Exclude<HashAlgo, 'builtin-kvlab'>;

/** True for vLLM's algorithms (their events need the blocks' token ids). */
export function isVllmHashAlgo(algo: HashAlgo | undefined): algo is VllmHashAlgo {
  return algo === 'sha256_cbor' || algo === 'sha256';
}

type CborValue = number | bigint | string | null | Uint8Array | readonly CborValue[] | ArrayLike<number>;

const MAX_U64 = (1n << 64n) - 1n;

function head(out: number[], major: number, n: number | bigint): void {
  const m = major << 5;
  const v = BigInt(n);
  if (v < 0n || v > MAX_U64) throw new RangeError(`CBOR argument out of range: ${v}`);
  if (v < 24n) out.push(m | Number(v));
  else if (v < 0x100n) out.push(m | 24, Number(v));
  else if (v < 0x10000n) out.push(m | 25, Number(v >> 8n), Number(v & 0xffn));
  else if (v < 0x100000000n) {
    out.push(m | 26);
    for (let s = 24n; s >= 0n; s -= 8n) out.push(Number((v >> s) & 0xffn));
  } else {
    out.push(m | 27);
    for (let s = 56n; s >= 0n; s -= 8n) out.push(Number((v >> s) & 0xffn));
  }
}

/** Small non-negative integer head without BigInt (token ids, lengths). */
function smallHead(out: number[], major: number, n: number): void {
  const m = major << 5;
  if (n < 24) out.push(m | n);
  else if (n < 0x100) out.push(m | 24, n);
  else if (n < 0x10000) out.push(m | 25, n >>> 8, n & 0xff);
  else if (n <= 0xffffffff) out.push(m | 26, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  else head(out, major, n);
}

function encodeInto(out: number[], v: CborValue): void {
  if (v === null) out.push(0xf6);
  else if (typeof v === 'bigint') head(out, 0, v);
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`only unsigned integers are encoded, got ${v}`);
    smallHead(out, 0, v);
  } else if (v instanceof Uint8Array) {
    smallHead(out, 2, v.length);
    for (const b of v) out.push(b);
  } else if (typeof v === 'string') {
    const bytes = Buffer.from(v, 'utf8');
    smallHead(out, 3, bytes.length);
    for (const b of bytes) out.push(b);
  } else {
    smallHead(out, 4, v.length);
    for (let i = 0; i < v.length; i++) encodeInto(out, (v as readonly CborValue[])[i]);
  }
}

/** Canonical CBOR of `v` (shortest integer forms, definite lengths). */
export function cborEncode(v: CborValue): Uint8Array {
  const out: number[] = [];
  encodeInto(out, v);
  return Uint8Array.from(out);
}

/** SHA-256 of canonical CBOR (32 bytes). */
export function sha256Cbor(v: CborValue): Uint8Array {
  return createHash('sha256').update(cborEncode(v)).digest();
}

/** A block hash as vLLM's KV events carry it: the digest's last 8 bytes, big-endian. */
export function externalHash(digest: Uint8Array): bigint {
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).readBigUInt64BE(digest.byteLength - 8);
}

function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

/** NONE_HASH: the first block's parent digest, from the seed string (vLLM's PYTHONHASHSEED). */
export function vllmNoneHash(seed: string, algo: VllmHashAlgo = 'sha256_cbor'): Uint8Array {
  return algo === 'sha256' ? sha256(pickleString(seed)) : sha256Cbor(seed);
}

/** Digest of block `tokens[start, start + len)` chained onto the `parent` digest (extra keys None). */
export function vllmBlockHash(parent: Uint8Array, tokens: ArrayLike<number>, start: number, len: number, algo: VllmHashAlgo = 'sha256_cbor'): Uint8Array {
  if (algo === 'sha256') return sha256(pickleBlockKey(parent, tokens, start, len));
  const block = new Array<number>(len);
  for (let i = 0; i < len; i++) block[i] = tokens[start + i];
  return sha256Cbor([parent, block, null]);
}

/** Chained vLLM hashes of the full blocks of `tokens`, as KV events carry them. */
export function vllmBlockHashes(tokens: ArrayLike<number>, blockSize: number, seed: string, algo: VllmHashAlgo = 'sha256_cbor'): bigint[] {
  const n = Math.floor(tokens.length / blockSize);
  const out = new Array<bigint>(n);
  let parent = vllmNoneHash(seed, algo);
  for (let b = 0; b < n; b++) {
    parent = vllmBlockHash(parent, tokens, b * blockSize, blockSize, algo);
    out[b] = externalHash(parent);
  }
  return out;
}
