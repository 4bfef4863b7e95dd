import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CANDIDATES,
  isLoremToken,
  LOREM_TOKEN_IDS,
  loremTokenArray,
  LOREM_WORDS,
  loremText,
  loremTokens,
  tokensForId,
  tokensToLoremText,
  LOREM_MAX_TOKEN_BYTES,
  writeLoremText,
  writeTokensForId,
} from '../../src/core/lorem.ts';
import { decode, encode } from '../../src/core/tokenizer.ts';
import { createRng } from '../../src/core/rng.ts';

describe('lorem vocabulary', () => {
  it('has 500+ lowercase ascii words, each one token after a space', () => {
    expect(LOREM_WORDS.length).toBeGreaterThanOrEqual(500);
    expect(LOREM_TOKEN_IDS.length).toBe(LOREM_WORDS.length);
    expect(new Set(LOREM_TOKEN_IDS).size).toBe(LOREM_TOKEN_IDS.length);
    LOREM_WORDS.forEach((w, i) => {
      expect(w).toMatch(/^[a-z]+$/);
      expect(encode(' ' + w)).toEqual([LOREM_TOKEN_IDS[i]]);
    });
    expect(LOREM_WORDS).toContain('lorem');
  });

  it('is exactly the candidates that o200k encodes as one token after a space, in order, an id taken once', () => {
    const words: string[] = [];
    const ids: number[] = [];
    for (const w of CANDIDATES.split(/\s+/)) {
      if (!/^[a-z]+$/.test(w)) continue;
      const t = encode(' ' + w);
      if (t.length !== 1 || ids.includes(t[0])) continue;
      words.push(w);
      ids.push(t[0]);
    }
    expect(LOREM_WORDS).toEqual(words);
    expect(LOREM_TOKEN_IDS).toEqual(ids);
  });

  it('any token sequence decodes to text that re-encodes to the same tokens', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...LOREM_TOKEN_IDS), { minLength: 0, maxLength: 200 }), (tokens) => {
        const text = decode(tokens);
        expect(encode(text)).toEqual(tokens);
        expect(tokensToLoremText(tokens)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('isLoremToken recognises exactly the vocabulary', () => {
    for (const id of LOREM_TOKEN_IDS) expect(isLoremToken(id)).toBe(true);
    expect(isLoremToken(encode('Hello')[0])).toBe(false);
    expect(isLoremToken(198)).toBe(false);
  });
});

describe('loremTokens / loremText', () => {
  it('draws exactly n lorem tokens, reproducibly from the seed', () => {
    const a = loremTokens(createRng(1), 300);
    expect(a).toHaveLength(300);
    expect(a.every(isLoremToken)).toBe(true);
    expect(loremTokens(createRng(1), 300)).toEqual(a);
    expect(loremTokens(createRng(2), 300)).not.toEqual(a);
    expect(loremTokens(createRng(1), 0)).toEqual([]);
  });

  it('draws token i as the word at floor(u · V) of the rng draw u, as every earlier workload did (same seed, same prompts)', () => {
    const draws = createRng('pinned');
    const expected = Array.from({ length: 2000 }, () => LOREM_TOKEN_IDS[Math.floor(draws.next() * LOREM_TOKEN_IDS.length)]);
    expect(loremTokens(createRng('pinned'), 2000)).toEqual(expected);
    expect(Array.from(loremTokenArray(createRng('pinned'), 2000))).toEqual(expected);
    // Draws at the edges of [0, 1): the first and the last word.
    const edges = { next: () => 0, int: () => 0, uniform: () => 0, pick: <T,>(xs: readonly T[]) => xs[0], fork: () => edges };
    expect(loremTokens(edges, 1)).toEqual([LOREM_TOKEN_IDS[0]]);
    const top = { ...edges, next: () => 1 - Number.EPSILON / 2 };
    expect(Array.from(loremTokenArray(top, 1))).toEqual([LOREM_TOKEN_IDS[LOREM_TOKEN_IDS.length - 1]]);
  });

  it('draws the same tokens into a typed array with the same rng draws', () => {
    const a = createRng('typed');
    const b = createRng('typed');
    expect(Array.from(loremTokenArray(a, 500))).toEqual(loremTokens(b, 500));
    expect(a.next()).toBe(b.next());
  });

  it('gives text that starts with a space and re-encodes to its tokens', () => {
    const { text, tokens } = loremText(createRng('x'), 64);
    expect(text.startsWith(' ')).toBe(true);
    expect(text).toBe(decode(tokens));
    expect(encode(text)).toEqual(tokens);
  });

  it('spreads over the vocabulary (not stuck on a few words)', () => {
    const distinct = new Set(loremTokens(createRng(3), 5000)).size;
    expect(distinct).toBeGreaterThan(LOREM_WORDS.length * 0.9);
  });

  it('writes the same text as bytes at any offset, within its bound of bytes per token', () => {
    const tokens = loremTokens(createRng('bytes'), 500);
    const text = tokensToLoremText(tokens);
    expect(text.length).toBeLessThanOrEqual(tokens.length * LOREM_MAX_TOKEN_BYTES);
    for (const slack of [0, 5, 40]) {
      const out = Buffer.alloc(3 + text.length + slack, 0x21);
      expect(writeLoremText(tokens, out, 3)).toBe(3 + text.length);
      expect(out.toString('latin1', 0, 3 + text.length)).toBe(`!!!${text}`);
    }
    expect(() => writeLoremText(tokens, Buffer.alloc(text.length - 1), 0)).toThrow(RangeError);
    expect(() => writeLoremText([198], Buffer.alloc(64), 0)).toThrow(/not a lorem token/);
  });

  it('rejects non-lorem ids when rendering text directly', () => {
    expect(() => tokensToLoremText([198])).toThrow(/not a lorem token/);
    const id = LOREM_TOKEN_IDS[0];
    for (const bad of [-1, id + 0.5, 10 ** 9, Number.NaN]) expect(() => tokensToLoremText([id, bad])).toThrow(/not a lorem token/);
  });
});

describe('tokensForId', () => {
  it('is deterministic and exactly n lorem tokens long', () => {
    const a = tokensForId(12345, 512);
    expect(a).toHaveLength(512);
    expect(a.every(isLoremToken)).toBe(true);
    expect(tokensForId(12345, 512)).toEqual(a);
    expect(tokensForId(12345, 10)).toEqual(a.slice(0, 10));
  });

  it('writes any window [from, from + n) of a run at any offset', () => {
    const a = tokensForId(-77, 300);
    const out = new Int32Array(60).fill(-1);
    writeTokensForId(-77, 50, out, 7, 230);
    expect(Array.from(out.subarray(7, 57))).toEqual(a.slice(230, 280));
    expect([out[6], out[57]]).toEqual([-1, -1]);
  });

  it('gives different runs for different ids (small, large, negative)', () => {
    const ids = [0, 1, 2, 3, 1000, 2 ** 32, 2 ** 32 + 1, 2 ** 40, 2 ** 52 + 1, 2 ** 53 - 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, -1, -2];
    const runs = new Set(ids.map((id) => tokensForId(id, 16).join(',')));
    expect(runs.size).toBe(ids.length);
  });

  it('has no collisions among many consecutive ids', () => {
    const seen = new Set<string>();
    for (let id = 0; id < 20000; id++) seen.add(tokensForId(id, 8).join(','));
    expect(seen.size).toBe(20000);
  });

  it('re-encodes exactly after decoding', () => {
    const t = tokensForId(987654321, 512);
    expect(encode(decode(t))).toEqual(t);
  });

  it('rejects ids that are not safe integers', () => {
    expect(() => tokensForId(1.5, 4)).toThrow(/safe integer/);
  });
});
