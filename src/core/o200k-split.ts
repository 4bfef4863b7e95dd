/**
 * o200k_base's pre-tokenizer: where BPE pieces start and end. The encoding's split pattern (a fact of
 * the encoding, as tiktoken publishes it) is, in order of preference at each position:
 *
 *   A1 [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+('s|'t|'re|'ve|'m|'ll|'d)?
 *   A2 [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*('s|'t|'re|'ve|'m|'ll|'d)?
 *   A3 \p{N}{1,3}
 *   A4  ?[^\s\p{L}\p{N}]+[\r\n/]*
 *   A5 \s*[\r\n]+
 *   A6 \s+(?!\S)
 *   A7 \s+
 *
 * (contraction letters in either case). Every character starts a match of one of them, so the pieces
 * tile the text and the piece at a position depends only on the text from there on. `asciiPieceEnd`
 * decides that piece by hand for ASCII text, reading the text's UTF-16 code units from a typed array
 * — several times faster than running the Unicode-property regex and slicing a string per piece — and
 * gives up (−1) as soon as it would have to look at a non-ASCII character, whose Unicode class it does
 * not know; `regexPieceEnd` then matches the pattern itself at that position. Both give the regex's
 * exact pieces (a test compares them on random text).
 */

/** The o200k_base split pattern (flags `u` and `g` or `y`). */
export const O200K_SPLIT_PATTERN = [
  `[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?`,
  `[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?`,
  `\\p{N}{1,3}`,
  ` ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*`,
  `\\s*[\\r\\n]+`,
  `\\s+(?!\\S)`,
  `\\s+`,
].join('|');

const STICKY = new RegExp(O200K_SPLIT_PATTERN, 'uy');

// Classes of the ASCII characters (bit flags; also read by tokenizers/cl100k-split).
export const UPPER = 1;
export const LOWER = 2;
export const DIGIT = 4;
/** `\s`: \t \n \v \f \r and space. */
export const SPACE = 8;
/** \r and \n. */
export const NEWLINE = 16;
/** Neither `\s`, a letter nor a digit. */
export const OTHER = 32;
/** May stand before a letter run (A1/A2's optional first character): not \r, \n, a letter or a digit. */
export const LEAD = 64;

/** Class bits of each ASCII character. */
export const ASCII_CLASS = new Uint8Array(128);
const CLASS = ASCII_CLASS;
for (let c = 0; c < 128; c++) {
  let k = 0;
  if (c >= 65 && c <= 90) k = UPPER;
  else if (c >= 97 && c <= 122) k = LOWER;
  else if (c >= 48 && c <= 57) k = DIGIT;
  else if ((c >= 9 && c <= 13) || c === 32) k = SPACE | (c === 10 || c === 13 ? NEWLINE : LEAD);
  else k = OTHER | LEAD;
  CLASS[c] = k;
}

/** Length of a contraction ('s 't 'm 'd 'll 've 're, either case) starting at `i`, else 0. */
export function contraction(text: Uint16Array, i: number, n: number): number {
  if (i + 1 >= n || text[i] !== 39) return 0;
  const a = text[i + 1] | 32; // lower-cases ASCII letters (and maps nothing else onto them)
  if (a === 115 || a === 116 || a === 109 || a === 100) return 2; // s t m d
  if (i + 2 >= n) return 0;
  const b = text[i + 2] | 32;
  if ((a === 108 && b === 108) || (a === 118 && b === 101) || (a === 114 && b === 101)) return 3; // ll ve re
  return 0;
}

/**
 * End of the piece that starts at `i` (< n) of the text whose code units are `text[0, n)`, when it is
 * decided by ASCII characters alone; −1 when it needs a non-ASCII character's Unicode class (use
 * `regexPieceEnd` then).
 */
export function asciiPieceEnd(text: Uint16Array, i: number, n: number): number {
  const c = text[i];
  if (c >= 128) return -1;
  const k = CLASS[c];
  // A1 / A2: an optional lead character, then upper-case letters, then lower-case letters.
  if (k & (UPPER | LOWER | LEAD)) {
    const p = k & LEAD ? i + 1 : i;
    let j = p;
    for (; j < n; j++) {
      const d = text[j];
      if (d >= 128) return -1;
      if (!(CLASS[d] & UPPER)) break;
    }
    let e = j;
    for (; e < n; e++) {
      const d = text[e];
      if (d >= 128) return -1;
      if (!(CLASS[d] & LOWER)) break;
    }
    // A1 needs a lower-case letter; A2 takes upper-case letters alone.
    if (e > j || j > p) return e + contraction(text, e, n);
  }
  // A3: one to three digits.
  if (k & DIGIT) {
    let e = i + 1;
    for (; e < n && e < i + 3; e++) {
      const d = text[e];
      if (d >= 128) return -1;
      if (!(CLASS[d] & DIGIT)) break;
    }
    return e;
  }
  // A4-A7: punctuation (then \r \n /) or a whitespace run.
  return punctuationOrSpaceEnd(text, i, n, true);
}

/**
 * The piece at `i` when it is neither letters nor digits (o200k's A4-A7, Llama-3's and Qwen2's B4-B7:
 * the same alternatives): an optional space, other characters, then any \r \n (and '/' when
 * `slashTrails`, o200k's); else a whitespace run. −1 when a non-ASCII character decides it. The caller
 * has ruled out a letters piece starting at `i` (so a space before an ASCII character was looked at).
 */
export function punctuationOrSpaceEnd(text: Uint16Array, i: number, n: number, slashTrails: boolean): number {
  const c = text[i];
  const k = CLASS[c];
  let s = -1;
  if (k & OTHER) s = i;
  else if (c === 32 && i + 1 < n && text[i + 1] < 128 && CLASS[text[i + 1]] & OTHER) s = i + 1;
  if (s >= 0) {
    let e = s + 1;
    for (; e < n; e++) {
      const d = text[e];
      if (d >= 128) return -1;
      if (!(CLASS[d] & OTHER)) break;
    }
    for (; e < n; e++) {
      const d = text[e];
      if (d !== 10 && d !== 13 && (d !== 47 || !slashTrails)) break;
    }
    return e;
  }
  // A whitespace run.
  let w = i;
  let lastNewline = -1;
  for (; w < n; w++) {
    const d = text[w];
    if (d >= 128) return -1;
    const dk = CLASS[d];
    if (!(dk & SPACE)) break;
    if (dk & NEWLINE) lastNewline = w;
  }
  if (lastNewline >= 0) return lastNewline + 1; // \s*[\r\n]+
  if (w === n) return n; // \s+(?!\S) at the end of the text
  return w - i >= 2 ? w - 1 : w; // \s+(?!\S) leaves the last space to the next piece; \s+
}

/** End of the piece that starts at `i` of `text`, by the pattern itself (any text). */
export function regexPieceEnd(text: string, i: number): number {
  STICKY.lastIndex = i;
  const m = STICKY.exec(text);
  // Unreachable: every character starts a match (the pattern's last alternatives cover \s, the others).
  if (m === null) throw new Error(`o200k split pattern matched nothing at ${i}`);
  return i + m[0].length;
}

/** End of the piece starting at `i` (< n) of `text`, whose n code units are `codes[0, n)`. */
export function pieceEnd(text: string, codes: Uint16Array, i: number, n: number): number {
  const e = asciiPieceEnd(codes, i, n);
  return e >= 0 ? e : regexPieceEnd(text, i);
}
