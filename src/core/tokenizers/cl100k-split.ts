/**
 * The pre-tokenizer of Llama-3 and Qwen2/Qwen3 tokenizer.json files: where their byte-level BPE
 * pieces start and end. Llama-3's Split pattern is cl100k_base's (tiktoken); Qwen2's is the same with
 * single digits (`\p{N}` instead of `\p{N}{1,3}`). In order of preference at each position:
 *
 *   B1 (?i:'s|'t|'re|'ve|'m|'ll|'d)
 *   B2 [^\r\n\p{L}\p{N}]?\p{L}+
 *   B3 \p{N}{1,D}          (D = 3 for Llama-3, 1 for Qwen)
 *   B4  ?[^\s\p{L}\p{N}]+[\r\n]*
 *   B5 \s*[\r\n]+
 *   B6 \s+(?!\S)
 *   B7 \s+
 *
 * As for o200k (o200k-split.ts, whose ASCII classes this reuses), every character starts a match, so
 * the pieces tile the text; `asciiPieceEnd` decides a piece by hand from ASCII code units and gives up
 * (−1) at a non-ASCII character, where the pattern itself, compiled for JavaScript as
 * @huggingface/tokenizers compiles it (`(?i:…)` folded to ASCII case pairs), decides. A test compares
 * both with the regex on random text, and the ids with the library's own encoding.
 */
import { ASCII_CLASS, contraction, DIGIT, LEAD, LOWER, punctuationOrSpaceEnd, UPPER } from '../o200k-split.ts';

/** Llama-3's Split regex as tokenizer.json spells it (cl100k_base's pattern). */
export const LLAMA3_SPLIT_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** Qwen2's and Qwen3's Split regex as tokenizer.json spells it (single digits). */
export const QWEN2_SPLIT_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** A splitter for one of the two patterns. */
export interface Cl100kSplitter {
  /** Most digits in one piece (3 or 1). */
  readonly maxDigits: number;
  /** The pattern as a JavaScript regex (flags `gu`), for tests and the non-ASCII fallback. */
  readonly pattern: string;
  /** End of the piece starting at `i` (< n) of `text`, whose n code units are `codes[0, n)`. */
  pieceEnd(text: string, codes: Uint16Array, i: number, n: number): number;
}

/** The splitter for a tokenizer.json Split regex, or null when it is not one of the two patterns. */
export function cl100kSplitter(regex: string): Cl100kSplitter | null {
  const maxDigits = regex === LLAMA3_SPLIT_REGEX ? 3 : regex === QWEN2_SPLIT_REGEX ? 1 : 0;
  if (maxDigits === 0) return null;
  const pattern = [
    `'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])`,
    `[^\\r\\n\\p{L}\\p{N}]?\\p{L}+`,
    maxDigits === 3 ? `\\p{N}{1,3}` : `\\p{N}`,
    ` ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*`,
    `\\s*[\\r\\n]+`,
    `\\s+(?!\\S)`,
    `\\s+`,
  ].join('|');
  const sticky = new RegExp(pattern, 'uy');
  return {
    maxDigits,
    pattern,
    pieceEnd(text, codes, i, n) {
      const e = asciiPieceEnd(codes, i, n, maxDigits);
      if (e >= 0) return e;
      sticky.lastIndex = i;
      const m = sticky.exec(text);
      // Unreachable: every character starts a match (B7 covers \s, B4 the rest but letters and digits).
      if (m === null) throw new Error(`split pattern matched nothing at ${i}`);
      return i + m[0].length;
    },
  };
}

/**
 * End of the piece that starts at `i` (< n) of the code units `text[0, n)` when ASCII characters
 * alone decide it; −1 when a non-ASCII character's Unicode class is needed.
 */
export function asciiPieceEnd(text: Uint16Array, i: number, n: number, maxDigits: number): number {
  const c = text[i];
  if (c >= 128) return -1;
  // B1: a contraction (ASCII case-insensitive, so a non-ASCII letter after the apostrophe never matches).
  if (c === 39) {
    const len = contraction(text, i, n);
    if (len > 0) return i + len;
  }
  const k = ASCII_CLASS[c];
  // B2: an optional lead character, then letters.
  if (k & (UPPER | LOWER | LEAD)) {
    const p = k & LEAD ? i + 1 : i;
    let e = p;
    for (; e < n; e++) {
      const d = text[e];
      if (d >= 128) return -1;
      if (!(ASCII_CLASS[d] & (UPPER | LOWER))) break;
    }
    if (e > p) return e;
  }
  // B3: one to maxDigits digits.
  if (k & DIGIT) {
    let e = i + 1;
    for (; e < n && e < i + maxDigits; e++) {
      const d = text[e];
      if (d >= 128) return -1;
      if (!(ASCII_CLASS[d] & DIGIT)) break;
    }
    return e;
  }
  // B4-B7: punctuation or a whitespace run.
  return punctuationOrSpaceEnd(text, i, n, false);
}
