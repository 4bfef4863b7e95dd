/**
 * Piece → token ids memo of the tokenizer: an open-addressing hash table over typed arrays, keyed by a
 * piece's UTF-16 code units read in place from the text's code-unit array (no substring, no Map of
 * strings). Natural text and
 * kvlab's lorem text reuse few distinct pieces (a few thousand words and spaces), so nearly every piece
 * of a long prompt is one hash, one or two probes and a character compare in a table that stays in
 * the CPU cache, instead of a lookup in the encoding's 200,000-entry rank Map.
 *
 * Bounded: pieces longer than MAX_PIECE_CHARS are not kept, and when the table or its pools are full
 * it is emptied at once and refills with what the text uses now (no per-entry recency to maintain).
 */

/** Longest piece kept, in UTF-16 code units. */
export const MAX_PIECE_CHARS = 48;
const SLOTS = 1 << 16; // power of two; at most half full
const MAX_ENTRIES = SLOTS >>> 1;
const CHAR_POOL = MAX_ENTRIES * 12;
const TOKEN_POOL = MAX_ENTRIES * 4;

export class PieceMemo {
  /** Slot → entry index + 1 (0 = empty). */
  private readonly slots = new Int32Array(SLOTS);
  private readonly hashes = new Int32Array(MAX_ENTRIES);
  private readonly keyAt = new Int32Array(MAX_ENTRIES);
  private readonly keyLen = new Int32Array(MAX_ENTRIES);
  private readonly tokAt = new Int32Array(MAX_ENTRIES);
  private readonly tokLen = new Int32Array(MAX_ENTRIES);
  private readonly chars = new Uint16Array(CHAR_POOL);
  /** Token ids of the entries, back to back. */
  readonly tokens = new Int32Array(TOKEN_POOL);
  private entries = 0;
  private charsUsed = 0;
  private tokensUsed = 0;

  /**
   * Writes the ids of the piece of code units `text[start, end)` into `out` from `at` and returns how many there are, or
   * returns −1 when the piece is not memoised. `out` must have room for 3 ids per code unit of the
   * piece (a UTF-8 byte per token at most).
   */
  copy(text: Uint16Array, start: number, end: number, out: Int32Array, at: number): number {
    if (end - start > MAX_PIECE_CHARS) return -1;
    return this.copyHashed(text, start, end, hashOf(text, start, end), out, at);
  }

  /** `copy` with the piece's hash already computed (`hashOf`, or `hashStep`s then `hashFinish`). */
  copyHashed(text: Uint16Array, start: number, end: number, h: number, out: Int32Array, at: number): number {
    const len = end - start;
    if (len > MAX_PIECE_CHARS) return -1;
    const mask = SLOTS - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = this.slots[s] - 1;
      if (e < 0) return -1;
      if (this.hashes[e] !== h || this.keyLen[e] !== len) continue;
      const k = this.keyAt[e];
      let same = true;
      for (let i = 0; i < len; i++) {
        if (this.chars[k + i] !== text[start + i]) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      const t = this.tokAt[e];
      const n = this.tokLen[e];
      if (n === 1) out[at] = this.tokens[t];
      else for (let i = 0; i < n; i++) out[at + i] = this.tokens[t + i];
      return n;
    }
  }

  /** Keeps `ids` as the tokens of the piece of code units `text[start, end)` (not memoised yet). */
  add(text: Uint16Array, start: number, end: number, ids: readonly number[]): void {
    const len = end - start;
    if (len > MAX_PIECE_CHARS || ids.length > TOKEN_POOL) return;
    if (this.entries === MAX_ENTRIES || this.charsUsed + len > CHAR_POOL || this.tokensUsed + ids.length > TOKEN_POOL) this.clear();
    const h = hashOf(text, start, end);
    const mask = SLOTS - 1;
    let s = h & mask;
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    const e = this.entries++;
    this.slots[s] = e + 1;
    this.hashes[e] = h;
    this.keyAt[e] = this.charsUsed;
    this.keyLen[e] = len;
    for (let i = 0; i < len; i++) this.chars[this.charsUsed + i] = text[start + i];
    this.charsUsed += len;
    this.tokAt[e] = this.tokensUsed;
    this.tokLen[e] = ids.length;
    for (let i = 0; i < ids.length; i++) this.tokens[this.tokensUsed + i] = ids[i];
    this.tokensUsed += ids.length;
  }

  /** Pieces memoised now. */
  get size(): number {
    return this.entries;
  }

  clear(): void {
    this.slots.fill(0);
    this.entries = 0;
    this.charsUsed = 0;
    this.tokensUsed = 0;
  }
}

/** Start of a piece hash. */
export const HASH_SEED = 0x811c9dc5;

/** One code unit into a piece hash (FNV-1a). */
export function hashStep(h: number, unit: number): number {
  return Math.imul(h ^ unit, 0x01000193);
}

/** A piece hash of `len` units made final (length mixed in, then an avalanche). */
export function hashFinish(h: number, len: number): number {
  h ^= len;
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h;
}

/** The final hash of the piece `spaceLettersEnd` found last (one slot: the hot loops allocate nothing). */
let spaceLettersHashed = 0;

/** The hash of the piece the last `spaceLettersEnd` found, made final. */
export function spaceLettersHash(): number {
  return spaceLettersHashed;
}

/**
 * The most common piece of every tokenizer's split — a space, then ASCII letters (" the") — found and
 * hashed in one pass from `i`, where `codes[i]` is a space. Returns where the letters end (`i + 1` when
 * none follow); `spaceLettersHash()` then gives the piece's hash. `caseMask` 32 counts upper-case
 * letters as letters too, 0 only lower-case ones. Whether the piece really ends there depends on the
 * split pattern (an apostrophe may begin a contraction): the caller decides from `codes[end]`.
 */
export function spaceLettersEnd(codes: Uint16Array, i: number, n: number, caseMask: 0 | 32): number {
  let h = hashStep(HASH_SEED, 32);
  let e = i + 1;
  for (; e < n; e++) {
    const d = codes[e] | caseMask;
    if (d < 97 || d > 122) break;
    h = hashStep(h, codes[e]);
  }
  spaceLettersHashed = hashFinish(h, e - i);
  return e;
}

/** 32-bit hash of the code units `text[start, end)`. */
export function hashOf(text: Uint16Array, start: number, end: number): number {
  let h = HASH_SEED;
  for (let i = start; i < end; i++) h = hashStep(h, text[i]);
  return hashFinish(h, end - start);
}
