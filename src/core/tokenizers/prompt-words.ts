/**
 * Words for generated prompts (bench workloads): token ids drawn from a vocabulary's single-token
 * words and their text, which re-tokenizes to exactly those ids under that vocabulary, so a prompt
 * of n drawn tokens is n tokens of the served model (its chat template's framing aside). kvlab's own
 * are the o200k lorem words (core/lorem: every word spaced, so texts concatenate freely); a Hugging
 * Face tokenizer's are its answer words (answer-words.ts: a bare first word, spaced ones after it, so
 * a text needs no leading space a template might trim).
 */
import { loremTokens, tokensToLoremText } from '../lorem.ts';
import type { Rng } from '../rng.ts';
import { answerWordsText, drawAnswerTokens, type AnswerWords } from './answer-words.ts';

export interface PromptWords {
  /** `o200k_base` or the tokenizer's id (recorded with a run's parameters when not o200k). */
  readonly id: string;
  /**
   * `n` token ids, one rng draw each. `continuing`: the text follows other drawn text in the same
   * message (starts with a spaced word), else it starts a message.
   */
  draw(rng: Rng, n: number, continuing?: boolean): number[];
  /** Text of drawn ids (concatenating texts = text of concatenated ids, the later ones drawn continuing). */
  text(tokens: ArrayLike<number>): string;
}

/** kvlab's o200k lorem words (the draws and texts kvlab's workloads always made). */
export const LOREM_WORDS: PromptWords = {
  id: 'o200k_base',
  draw: (rng, n) => loremTokens(rng, n),
  text: (tokens) => tokensToLoremText(tokens),
};

/** A Hugging Face tokenizer's answer words as prompt words. */
export function answerPromptWords(id: string, words: AnswerWords): PromptWords {
  return {
    id,
    draw: (rng, n, continuing = false) => drawAnswerTokens(words, rng, n, continuing ? -1 : 0, continuing),
    text: (tokens) => answerWordsText(words, Array.from(tokens)),
  };
}

/** What a workload records about its words in its parameters: nothing for lorem (runs unchanged), else the tokenizer's id. */
export function wordsParam(words: PromptWords): { promptTokenizer?: string } {
  return words === LOREM_WORDS ? {} : { promptTokenizer: words.id };
}
