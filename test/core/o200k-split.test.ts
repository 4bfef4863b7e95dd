import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asciiPieceEnd, O200K_SPLIT_PATTERN, pieceEnd } from '../../src/core/o200k-split.ts';

/** The pieces of `text` by the split regex itself (what gpt-tokenizer and tiktoken do). */
function regexPieces(text: string): string[] {
  return [...text.matchAll(new RegExp(O200K_SPLIT_PATTERN, 'gu'))].map((m) => m[0]);
}

function scannedPieces(text: string): string[] {
  const codeUnits = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) codeUnits[i] = text.charCodeAt(i);
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const e = pieceEnd(text, codeUnits, i, text.length);
    out.push(text.slice(i, e));
    i = e;
  }
  return out;
}

// Characters that exercise every branch of the pattern: cases, digits, each ASCII space, \r \n, the
// contraction letters, '/', punctuation, and non-ASCII letters (Lu Ll Lt Lm Lo), marks, numbers,
// spaces and surrogate pairs that only the regex can classify.
const ALPHABET = [
  'a', 'z', 'A', 'Z', 's', 'S', 't', 'l', 'L', 'v', 'e', 'E', 'r', 'R', 'd', 'm', "'", '0', '7', '9',
  ' ', ' ', ' ', '\t', '\n', '\r', '\v', '\f', '/', '.', ',', '!', '(', '"', '-', '<', '|', '\x00', '\x1f', '\x7f',
  'é', 'É', 'ß', 'ǅ', 'ʰ', '中', '\u0301', '²', '٣', '\u00a0', '\u2028', '\u3000', '—', '😀', '\ud800',
];
const text = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 60 }).map((cs) => cs.join(''));

describe('o200k pre-tokenizer', () => {
  it('splits random text exactly like the o200k split regex', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(scannedPieces(t)).toEqual(regexPieces(t));
      }),
      { numRuns: 20_000, seed: 12 },
    );
  });

  it('splits ASCII text by hand, giving up only at a non-ASCII character', () => {
    const sample = "Hello, WORLD! don't DON'T they'll I've we're 12345 a/b\r\n\r\n  \t x\n\n/ (\"quoted\")  end  ";
    const codes = Uint16Array.from(sample, (c) => c.charCodeAt(0));
    for (let i = 0; i < sample.length; i++) expect(asciiPieceEnd(codes, i, sample.length)).toBeGreaterThan(i);
    expect(scannedPieces(sample)).toEqual(regexPieces(sample));
    const mixed = 'naïve';
    const mixedCodes = Uint16Array.from(mixed, (c) => c.charCodeAt(0));
    expect(asciiPieceEnd(mixedCodes, 0, mixed.length)).toBe(-1);
  });
});
