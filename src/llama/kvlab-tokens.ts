/**
 * `llama-worker --kvlab-tokens`: the worker speaks kvlab's tokenizer (o200k_base and its chat
 * template, as kvlab's mock workers, its router and its virtual cluster count tokens) instead of the
 * model's own, so a prompt is as many tokens here as in a simulation of the same workload — what a
 * sim-to-real comparison needs (the tiny model's byte-level vocabulary of 512 makes a lorem prompt
 * ~2.9× as many tokens as kvlab counts, and its answers re-tokenize at another ratio).
 *
 * Prompts are tokenized by kvlab and each id is folded into the model's vocabulary. Answers: model
 * token g is sent as the lorem word whose kvlab id is the g-th of core/lorem's single-token words, and
 * that id folds back to g — so a follow-up turn carrying the answer as text re-tokenizes, token for
 * token, to what the slot already holds and hits its cache as a real engine's own tokenizer would.
 * Needs a vocabulary no larger than the lorem words (1,037); kvlab's tiny models have 512.
 *
 * Approximation: the model reads folded ids, not its own tokenization — its output is noise either way
 * (random weights); the work per token is the same.
 */
import { LOREM_TOKEN_IDS, tokensToLoremText } from '../core/lorem.ts';

export class KvlabTokenFold {
  /** kvlab id of an answer word → the model token it stands for. */
  private readonly answerOf = new Map<number, number>();

  constructor(readonly vocab: number) {
    if (!Number.isInteger(vocab) || vocab < 1) throw new RangeError(`vocabulary size must be a positive integer, got ${vocab}`);
    if (vocab > LOREM_TOKEN_IDS.length) {
      throw new RangeError(`--kvlab-tokens needs a vocabulary of at most ${LOREM_TOKEN_IDS.length} tokens (one lorem word per model token); the model has ${vocab}`);
    }
    for (let g = 0; g < vocab; g++) this.answerOf.set(LOREM_TOKEN_IDS[g], g);
  }

  /** kvlab token ids → model token ids (answer words back to their model token, others modulo the vocabulary). */
  toModel(ids: readonly number[]): number[] {
    return ids.map((id) => this.answerOf.get(id) ?? id % this.vocab);
  }

  /** The text a generated model token is sent as: one lorem word, one kvlab token. */
  piece(token: number): string {
    return tokensToLoremText([LOREM_TOKEN_IDS[token % this.vocab]]);
  }
}
