/**
 * Fast exact encoding for a byte-level BPE tokenizer.json whose pre-tokenizer is a Split regex
 * (Llama-3, Qwen2/3: cl100k-split.ts): the text is cut into its pre-tokenized pieces, and each piece's
 * ids come from a memo of recently seen pieces (core/piece-memo, as kvlab's o200k encoder does); only a
 * piece not seen lately goes through the library (`miss`, the piece encoded alone — a pre-tokenized
 * piece is one BPE word, so its ids alone are its ids in context). Natural and generated text reuse a
 * few thousand pieces, so a long prompt costs a scan, a hash and a probe per piece instead of the
 * library's per-piece strings, maps and objects. A test pins the ids to the library's own encoding of
 * the whole text (random and real text, both shipped tokenizers).
 *
 * Ids are collected in a reused typed array and returned as a new array at the end; added (special)
 * tokens between text segments are appended as they are.
 */
import { CodeUnitBuffer } from '../code-units.ts';
import { PieceMemo, spaceLettersEnd, spaceLettersHash } from '../piece-memo.ts';
import type { Cl100kSplitter } from './cl100k-split.ts';

/** Buffers larger than this are dropped after a call (a huge prompt's buffers are not kept). */
const KEEP_LIMIT = 1 << 22;

export class PieceEncoder {
  private readonly memo = new PieceMemo();
  private readonly units = new CodeUnitBuffer();
  private ids = new Int32Array(1 << 16);
  private count = 0;
  private misses = 0;

  /**
   * @param splitter the pre-tokenizer (its letters piece is also found inline, see addText)
   * @param miss ids of one piece, by the library
   * @param normalize the tokenizer's normalizer on a text segment (identity when it has none)
   */
  constructor(
    private readonly splitter: Cl100kSplitter,
    private readonly miss: (piece: string) => readonly number[],
    private readonly normalize: (text: string) => string = (t) => t,
  ) {}

  /** Pieces encoded by the library so far (memo misses); for tests. */
  get missCount(): number {
    return this.misses;
  }

  /** Ids appended so far. */
  get length(): number {
    return this.count;
  }

  /** A copy of the ids appended from position `at` on (a typed array: a memcpy, off the JavaScript heap). */
  idsSince(at: number): Int32Array {
    return this.ids.slice(at, this.count);
  }

  /** Appends ids known already (a memoised segment's). */
  addIds(ids: ArrayLike<number>): void {
    this.reserve(ids.length);
    if (ids instanceof Int32Array) this.ids.set(ids, this.count);
    else for (let i = 0; i < ids.length; i++) this.ids[this.count + i] = ids[i];
    this.count += ids.length;
  }

  /** Appends an added token's id. */
  addId(id: number): void {
    this.reserve(1);
    this.ids[this.count++] = id;
  }

  /** Appends the ids of a text segment (no added tokens in it). */
  addText(segment: string): void {
    const text = this.normalize(segment);
    const n = text.length;
    const codes = this.units.load(text);
    const memo = this.memo;
    for (let i = 0; i < n; ) {
      // The most common piece — a space and ASCII letters (" the") — is found and hashed in one pass:
      // the Split pattern's letters piece, when the letters end at an ASCII character or the text's end.
      if (codes[i] === 32) {
        const e = spaceLettersEnd(codes, i, n, 32);
        if (e > i + 1 && (e === n || codes[e] < 128)) {
          this.reserve(3 * (e - i));
          const got = memo.copyHashed(codes, i, e, spaceLettersHash(), this.ids, this.count);
          if (got >= 0) {
            this.count += got;
            i = e;
            continue;
          }
        }
      }
      const e = this.splitter.pieceEnd(text, codes, i, n);
      this.reserve(3 * (e - i)); // at most one token per UTF-8 byte
      const hit = memo.copy(codes, i, e, this.ids, this.count);
      if (hit >= 0) this.count += hit;
      else {
        this.misses++;
        const piece = this.miss(text.slice(i, e));
        memo.add(codes, i, e, piece);
        for (let k = 0; k < piece.length; k++) this.ids[this.count++] = piece[k];
      }
      i = e;
    }
  }

  /** The ids appended since the last call, as a new array. */
  take(): number[] {
    const out = new Array<number>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.ids[i];
    this.count = 0;
    if (this.ids.length > KEEP_LIMIT) this.ids = new Int32Array(1 << 16);
    this.units.release();
    return out;
  }

  private reserve(n: number): void {
    if (this.count + n <= this.ids.length) return;
    const grown = new Int32Array(Math.max(this.ids.length * 2, this.count + n));
    grown.set(this.ids.subarray(0, this.count));
    this.ids = grown;
  }
}
