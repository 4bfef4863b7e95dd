/**
 * The one tokenizer of kvlab: o200k_base (GPT-4o's encoding) over gpt-tokenizer's rank tables and BPE.
 * Every token count, block hash and prompt in kvlab is computed from these functions, so the mock
 * engine, the router and the client agree on token ids.
 *
 * Speed: `encode` splits text into pieces itself (o200k-split: by hand for ASCII, the split regex only
 * where a non-ASCII character needs its Unicode class) and takes each piece's ids from a memo of
 * recently seen pieces (piece-memo), so gpt-tokenizer's rank Map and BPE run only for pieces not seen
 * lately; the ids are gpt-tokenizer's own `encode` ids (a test pins that on random and real text).
 *
 * Approximation: real served models use their own tokenizers; o200k_base stands in for all of them.
 * Text that looks like a special token (e.g. "<|im_start|>") is encoded as plain text, never as the
 * special id: only the chat template (chat-template.ts) inserts special ids.
 */
import {
  encode as o200kEncode,
  decode as o200kDecode,
  ImStart,
  ImEnd,
  EndOfText,
} from 'gpt-tokenizer/encoding/o200k_base';
import { CodeUnitBuffer } from './code-units.ts';
import { pieceEnd } from './o200k-split.ts';
import { PieceMemo, spaceLettersEnd, spaceLettersHash } from './piece-memo.ts';

/** Encode options that make special-token text plain text (no throw, no special ids). */
const PLAIN_TEXT = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };

/** One past the largest token id of o200k_base (ids 0..200006; id 199998 is unused). */
export const VOCAB_SIZE = 200007;

/** Special ids of o200k_base used by the chat template. */
export const SPECIAL_TOKENS = Object.freeze({
  endOfText: 199999,
  imStart: 200003,
  imEnd: 200004,
});
/** Their text forms (what `decode` renders them as). */
export const SPECIAL_TOKEN_TEXT = Object.freeze({ endOfText: EndOfText, imStart: ImStart, imEnd: ImEnd });

/** Token id of "\n" in o200k_base. */
export const NEWLINE_TOKEN = 198;

/**
 * Longest run of non-space characters handed to BPE in one piece. BPE's merge loop is quadratic in
 * the length of one pre-tokenized piece (100 KB of "a" took ~10 s), so a longer run is cut into pieces
 * of this many code units and each is encoded on its own. Approximation: for such runs (never seen in
 * natural text or in kvlab's own prompts) the token ids differ slightly from o200k's exact split.
 */
export const MAX_RUN_CHARS = 512;

/** JavaScript's `\s` (what ends a run). */
function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * Start of the first run of more than MAX_RUN_CHARS non-space code units in `codes[from, n)`, else −1.
 * Looks at the last unit of each window of MAX_RUN_CHARS + 1 units and back to the window's last
 * space, then jumps past it: a few units read per window instead of every unit of the text.
 */
function longRunStart(codes: Uint16Array, from: number, n: number): number {
  let i = from; // no run of more than MAX_RUN_CHARS starts before i
  while (i + MAX_RUN_CHARS < n) {
    let q = i + MAX_RUN_CHARS;
    while (q >= i && !isSpace(codes[q])) q--;
    if (q < i) return i; // codes[i, i + MAX_RUN_CHARS] holds no space
    i = q + 1;
  }
  return -1;
}

/** End of the non-space run starting at `start`. */
function runEnd(codes: Uint16Array, start: number, n: number): number {
  let i = start;
  while (i < n && !isSpace(codes[i])) i++;
  return i;
}

const memo = new PieceMemo();
/** The text being encoded, as code units. */
const units = new CodeUnitBuffer();

/**
 * Ids being encoded, before they become the result array (filled by index: growing a JavaScript
 * array by `push` costs more than the whole rest of encoding a long prompt). Kept between calls.
 */
let ids = new Int32Array(1 << 16);
let count = 0;

/** Room for `n` more ids. */
function reserve(n: number): void {
  if (count + n <= ids.length) return;
  const grown = new Int32Array(Math.max(ids.length * 2, count + n));
  grown.set(ids.subarray(0, count));
  ids = grown;
}

/**
 * Appends the ids of `text[from, to)` to `ids`, `text[from, to)` taken as a whole text (its end is
 * the end of the input): split into pieces (o200k-split), each piece's ids from the memo, else from
 * gpt-tokenizer (the piece alone is one pre-tokenized piece, so its ids are those it has in context)
 * and memoised. `codes` holds the text's code units.
 */
function encodeRange(text: string, codes: Uint16Array, from: number, to: number): void {
  if (from > 0 || to < text.length) {
    // A piece found by the regex must not look past `to`: encode the range as a text of its own.
    const part = text.slice(from, to);
    encodeRange(part, codes.subarray(from, to), 0, part.length);
    return;
  }
  const n = to;
  for (let i = 0; i < n; ) {
    // The most common piece — a space and lower-case ASCII letters (" the") — is found and hashed in
    // one pass; it is what asciiPieceEnd would find when the letters end at an ASCII character other
    // than an apostrophe (a contraction) or at the end of the text.
    if (codes[i] === 32) {
      const e = spaceLettersEnd(codes, i, n, 0);
      if (e > i + 1 && (e === n || (codes[e] < 128 && codes[e] !== 39))) {
        reserve(3 * (e - i));
        const got = memo.copyHashed(codes, i, e, spaceLettersHash(), ids, count);
        if (got >= 0) {
          count += got;
          i = e;
          continue;
        }
      }
    }
    const e = pieceEnd(text, codes, i, n);
    reserve(3 * (e - i)); // at most one token per UTF-8 byte
    const hit = memo.copy(codes, i, e, ids, count);
    if (hit >= 0) count += hit;
    else {
      const piece = o200kEncode(text.slice(i, e), PLAIN_TEXT);
      memo.add(codes, i, e, piece);
      for (let k = 0; k < piece.length; k++) ids[count++] = piece[k];
    }
    i = e;
  }
}

/** The ids encoded so far as a new array (and the buffer emptied). */
function takeIds(): number[] {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = ids[i];
  count = 0;
  if (ids.length > 1 << 22) ids = new Int32Array(1 << 16); // a huge prompt's buffers are not kept
  units.release();
  return out;
}

/**
 * Text → token ids: o200k_base's ids (pinned by a test against gpt-tokenizer's own `encode`), with
 * long runs cut (MAX_RUN_CHARS). Special-token text is treated as plain text.
 */
export function encode(text: string): number[] {
  count = 0;
  const n = text.length;
  const codes = units.load(text);
  let at = 0;
  let start = n > MAX_RUN_CHARS ? longRunStart(codes, 0, n) : -1;
  while (start >= 0) {
    if (start > at) encodeRange(text, codes, at, start);
    const end = runEnd(codes, start, n);
    for (let i = start; i < end; ) {
      let j = Math.min(end, i + MAX_RUN_CHARS);
      // never split a surrogate pair
      if (j < end && j > i + 1 && (codes[j - 1] & 0xfc00) === 0xd800) j--;
      encodeRange(text, codes, i, j);
      i = j;
    }
    at = end;
    start = longRunStart(codes, at, n);
  }
  encodeRange(text, codes, at, n);
  return takeIds();
}

/** True when `id` is a token id that o200k_base can decode. */
export function isValidToken(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id < VOCAB_SIZE && id !== 199998;
}

/**
 * Token ids → text. Throws a RangeError naming the first id that is not in the vocabulary
 * (check with `isValidToken` first when ids come from outside).
 */
export function decode(tokens: ArrayLike<number>): string {
  const ids: number[] = Array.isArray(tokens) ? tokens : Array.from(tokens);
  for (let i = 0; i < ids.length; i++) {
    if (!isValidToken(ids[i])) {
      throw new RangeError(`token id ${ids[i]} (at index ${i}) is not in the o200k_base vocabulary`);
    }
  }
  return o200kDecode(ids);
}

/** Number of tokens of `text` (same rules as `encode`). */
export function countTokens(text: string): number {
  return encode(text).length;
}
