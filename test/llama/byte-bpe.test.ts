import { describe, expect, it } from 'vitest';
import { BYTE_CHARS, byteChars, trainByteBpe } from '../../src/llama/byte-bpe.ts';

describe('byte-level BPE', () => {
  it("maps the 256 bytes to distinct characters, printable ASCII to itself and the space to 'Ġ'", () => {
    expect(new Set(BYTE_CHARS).size).toBe(256);
    expect(BYTE_CHARS[0x41]).toBe('A');
    expect(BYTE_CHARS[0x20]).toBe('Ġ');
    expect(byteChars('é')).toEqual([BYTE_CHARS[0xc3], BYTE_CHARS[0xa9]]);
  });

  it('learns the most frequent pairs first, deterministically, up to the vocabulary size', () => {
    const corpus = ' the the the then them a b';
    const a = trainByteBpe(corpus, 260);
    expect(a).toEqual(trainByteBpe(corpus, 260));
    expect(a.tokens).toHaveLength(260);
    // "Ġ t", "t h" and "h e" occur 5 times each: the smallest pair string wins the tie ('Ġ' is U+0120)
    expect(a.merges[0]).toBe('h e');
    expect(a.merges[1]).toBe('t he');
    for (const m of a.merges) expect(a.tokens).toContain(m.replace(' ', ''));
  });

  it('stops early when the corpus has no pair left', () => {
    expect(trainByteBpe('ab', 300).tokens).toHaveLength(257);
  });
});
