/**
 * Chained block hashes: token ids → one hash per FULL block of `blockSize` tokens, where block i's hash
 * covers the tokens of blocks 0..i (it is seeded with block i−1's hash). Hashes are plain non-negative
 * safe integers (53 bits: a 21-bit and a 32-bit lane of two independent 32-bit mixers), so they are
 * cheap to compare and to use as Map keys, and identical in every process and run.
 *
 * Approximation: 53 bits is not collision-free; at a million cached blocks the chance of any collision
 * is about 5e-5, far below what a simulation can notice. A trailing partial block gets no hash (as in
 * vLLM, partial blocks are never shared).
 */

/** Parent "hash" of the first block of a sequence. */
export const ROOT_HASH = 0;

const TWO_32 = 4294967296;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of one block of tokens `tokens[start, start+len)` chained onto `parent`. */
export function hashBlock(parent: number, tokens: ArrayLike<number>, start: number, len: number): number {
  // `parent ^ c` takes parent's low 32 bits (ToInt32 reduces mod 2^32): the same value as
  // `(parent % 2^32) ^ c`, without a floating-point remainder (a library call) per block.
  let h1 = parent ^ 0x9e3779b9;
  let h2 = Math.floor(parent / TWO_32) ^ 0x7f4a7c15;
  // Each lane is truncated to int32 after its add (`| 0`): every later use of a lane (`^`, fmix32)
  // truncates it anyway, so the values are the same, but the lanes stay int32 instead of becoming
  // doubles once a sum passes 2^31 — half the time for a 64-token block.
  for (let i = start, end = start + len; i < end; i++) {
    const t = tokens[i] | 0;
    h1 = Math.imul(h1 ^ t, 0xcc9e2d51);
    h1 = (h1 << 15) | (h1 >>> 17);
    h1 = (Math.imul(h1, 0x1b873593) + 0xe6546b64) | 0;
    h2 = Math.imul(h2 ^ t, 0x27d4eb2f);
    h2 = (h2 << 13) | (h2 >>> 19);
    h2 = (Math.imul(h2, 0x165667b1) + 0x61c88647) | 0;
  }
  h1 = fmix32(h1 ^ len);
  h2 = fmix32(h2 ^ Math.imul(len, 0x9e3779b1));
  return (h2 & 0x1fffff) * TWO_32 + h1;
}

/**
 * Chained hashes of the full blocks of `tokens` (floor(length / blockSize) of them). `parent` lets a
 * caller continue a chain (e.g. hash generated tokens after a prompt's full blocks).
 */
export function blockHashes(tokens: ArrayLike<number>, blockSize: number, parent: number = ROOT_HASH): number[] {
  if (!Number.isInteger(blockSize) || blockSize <= 0) throw new RangeError(`block size must be a positive integer, got ${blockSize}`);
  const n = Math.floor(tokens.length / blockSize);
  const out = new Array<number>(n);
  let prev = parent;
  for (let b = 0; b < n; b++) {
    prev = hashBlock(prev, tokens, b * blockSize, blockSize);
    out[b] = prev;
  }
  return out;
}
