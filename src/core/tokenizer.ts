/**
 * The one tokenizer of kvlab: a facade over gpt-tokenizer's o200k_base BPE (GPT-4o's encoding).
 * Every token count, block hash and prompt in kvlab is computed from these functions, so the mock
 * engine, the router and the client agree on token ids.
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
const LONG_RUN = new RegExp(`[^\\s]{${MAX_RUN_CHARS + 1},}`, 'g');

/** Text → token ids. Special-token text is treated as plain text. */
export function encode(text: string): number[] {
  LONG_RUN.lastIndex = 0;
  if (!LONG_RUN.test(text)) return o200kEncode(text, PLAIN_TEXT);
  const out: number[] = [];
  const push = (piece: string): void => {
    if (piece.length === 0) return;
    const ids = o200kEncode(piece, PLAIN_TEXT);
    for (let i = 0; i < ids.length; i++) out.push(ids[i]);
  };
  LONG_RUN.lastIndex = 0;
  let at = 0;
  for (let m = LONG_RUN.exec(text); m !== null; m = LONG_RUN.exec(text)) {
    push(text.slice(at, m.index));
    const end = m.index + m[0].length;
    for (let i = m.index; i < end; ) {
      let j = Math.min(end, i + MAX_RUN_CHARS);
      // never split a surrogate pair
      if (j < end && j > i + 1 && (text.charCodeAt(j - 1) & 0xfc00) === 0xd800) j--;
      push(text.slice(i, j));
      i = j;
    }
    at = end;
  }
  push(text.slice(at));
  return out;
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
