/**
 * Answer words for a Hugging Face tokenizer: lorem's candidate words (core/lorem) that are ONE token
 * both alone ("river") and after a space (" river") in that vocabulary. An answer is a first word
 * without a space followed by spaced words ("river the stone"): its text has no leading or trailing
 * whitespace (so a template that trims message content, as Llama-3's does, keeps it as it is) and it
 * splits into exactly those word pieces under byte-level BPE pre-tokenizers (GPT-2, Llama-3 and Qwen
 * patterns: letters with one optional leading non-letter). A reasoning span and the content after it
 * each start with an unspaced word, since a template renders them apart.
 *
 * Whether the answer really re-tokenizes inside the template is checked when the tokenizer is loaded
 * (hf-tokenizer.ts); a vocabulary without such words is refused there with a clear error.
 * Approximation: the text is word salad over a few hundred common English words.
 */
import { CANDIDATES } from '../lorem.ts';
import type { Rng } from '../rng.ts';

export interface AnswerWords {
  /** Token id of word i without a space. */
  readonly bare: readonly number[];
  /** Token id of ' ' + word i. */
  readonly spaced: readonly number[];
  /** Text of each of those ids. */
  readonly textOf: ReadonlyMap<number, string>;
}

/** Fewest words an answer vocabulary must have (fewer would make answers repeat into false cache hits). */
export const MIN_ANSWER_WORDS = 64;

/** The words of `encode`'s vocabulary that are single tokens with and without a leading space. */
export function pickAnswerWords(encode: (text: string) => number[]): AnswerWords {
  const bare: number[] = [];
  const spaced: number[] = [];
  const textOf = new Map<number, string>();
  for (const w of CANDIDATES.split(/\s+/)) {
    if (!/^[a-z]+$/.test(w)) continue;
    const a = encode(w);
    const b = encode(' ' + w);
    if (a.length !== 1 || b.length !== 1 || a[0] === b[0] || textOf.has(a[0]) || textOf.has(b[0])) continue;
    bare.push(a[0]);
    spaced.push(b[0]);
    textOf.set(a[0], w);
    textOf.set(b[0], ' ' + w);
  }
  return { bare, spaced, textOf };
}

/**
 * `n` answer tokens: unspaced at 0 (unless `continuing`: the text follows other words) and at
 * `contentStart`, spaced elsewhere; one rng draw per token.
 */
export function drawAnswerTokens(words: AnswerWords, rng: Rng, n: number, contentStart: number, continuing = false): number[] {
  const out = new Array<number>(n);
  const v = words.bare.length;
  for (let i = 0; i < n; i++) {
    const k = Math.floor(rng.next() * v);
    out[i] = (i === 0 && !continuing) || i === contentStart ? words.bare[k] : words.spaced[k];
  }
  return out;
}

/** Text of answer tokens (throws a RangeError for an id that is not an answer word). */
export function answerWordsText(words: AnswerWords, tokens: readonly number[]): string {
  let s = '';
  for (const id of tokens) {
    const t = words.textOf.get(id);
    if (t === undefined) throw new RangeError(`token id ${id} is not an answer word`);
    s += t;
  }
  return s;
}
