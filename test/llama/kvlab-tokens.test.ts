import { describe, expect, it } from 'vitest';
import { KvlabTokenFold } from '../../src/llama/kvlab-tokens.ts';
import { encode } from '../../src/core/tokenizer.ts';

describe('llama-worker --kvlab-tokens', () => {
  it("sends each model token as one kvlab token that folds back to it, so an answer re-read in the next prompt matches the slot's cache", () => {
    const fold = new KvlabTokenFold(512);
    const generated = [0, 7, 511, 300, 7, 42];
    const text = generated.map((g) => fold.piece(g)).join('');
    const kvlabIds = encode(text);
    expect(kvlabIds).toHaveLength(generated.length);
    expect(fold.toModel(kvlabIds)).toEqual(generated);
  });

  it("folds any kvlab id into the model's vocabulary", () => {
    const fold = new KvlabTokenFold(300);
    const ids = fold.toModel(encode('a prompt with words, numbers 12345 and <|im_start|> text'));
    expect(ids.every((t) => Number.isInteger(t) && t >= 0 && t < 300)).toBe(true);
  });

  it('refuses a vocabulary larger than the single-token lorem words with a message naming the flag', () => {
    expect(() => new KvlabTokenFold(50_000)).toThrow(/--kvlab-tokens needs a vocabulary of at most \d+ tokens/);
  });
});
