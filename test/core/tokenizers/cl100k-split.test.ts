import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AddedTokenSplitter } from '../../../src/core/tokenizers/added-tokens.ts';
import { asciiPieceEnd, cl100kSplitter, LLAMA3_SPLIT_REGEX, QWEN2_SPLIT_REGEX } from '../../../src/core/tokenizers/cl100k-split.ts';

function scannedPieces(regex: string, text: string): string[] {
  const s = cl100kSplitter(regex);
  if (s === null) throw new Error('not a known pattern');
  const codes = Uint16Array.from({ length: text.length }, (_, k) => text.charCodeAt(k));
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const e = s.pieceEnd(text, codes, i, text.length);
    out.push(text.slice(i, e));
    i = e;
  }
  return out;
}

function regexPieces(regex: string, text: string): string[] {
  const s = cl100kSplitter(regex);
  if (s === null) throw new Error('not a known pattern');
  return [...text.matchAll(new RegExp(s.pattern, 'gu'))].map((m) => m[0]);
}

// Every branch: cases, digits (runs longer than 3), ASCII spaces, \r \n, contractions in either case,
// punctuation, and non-ASCII letters, marks, numbers, spaces and surrogates only the regex classifies.
const ALPHABET = [
  'a', 'z', 'A', 'Z', 's', 'S', 't', 'l', 'L', 'v', 'e', 'E', 'r', 'R', 'd', 'D', 'm', "'", '0', '7', '9',
  ' ', ' ', ' ', '\t', '\n', '\r', '\v', '\f', '/', '.', ',', '!', '(', '"', '-', '<', '|', '\x00', '\x7f',
  'é', 'É', 'ß', 'ſ', 'ʰ', '中', '\u0301', '²', '٣', '\u00a0', '\u2028', '\u3000', '—', '😀', '\ud800',
];
const text = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 60 }).map((cs) => cs.join(''));

describe('Llama-3 / Qwen2 pre-tokenizer', () => {
  for (const [name, regex] of [['Llama-3 (digits by 3)', LLAMA3_SPLIT_REGEX], ['Qwen2 (single digits)', QWEN2_SPLIT_REGEX]] as const) {
    it(`${name}: splits random text exactly like its split regex`, () => {
      fc.assert(
        fc.property(text, (t) => {
          expect(scannedPieces(regex, t)).toEqual(regexPieces(regex, t));
        }),
        { numRuns: 2_000, seed: 17 },
      );
    });
  }

  it('splits ASCII by hand (digits by 3 or 1) and gives up only at a non-ASCII character', () => {
    const sample = "Hello, WORLD! don't DON'T they'll I've 12345 a/b\r\n\r\n  \t x\n\n/ (\"q\")  end  ";
    const codes = Uint16Array.from(sample, (c) => c.charCodeAt(0));
    for (let i = 0; i < sample.length; i++) expect(asciiPieceEnd(codes, i, sample.length, 3)).toBeGreaterThan(i);
    expect(scannedPieces(LLAMA3_SPLIT_REGEX, 'x 12345')).toEqual(['x', ' ', '123', '45']);
    expect(scannedPieces(QWEN2_SPLIT_REGEX, 'x 123')).toEqual(['x', ' ', '1', '2', '3']);
    expect(scannedPieces(LLAMA3_SPLIT_REGEX, "don'T")).toEqual(['don', "'T"]);
    expect(asciiPieceEnd(Uint16Array.from('naïve', (c) => c.charCodeAt(0)), 0, 5, 3)).toBe(-1);
  });

  it('recognises only the two patterns as tokenizer.json spells them', () => {
    expect(cl100kSplitter(LLAMA3_SPLIT_REGEX)?.maxDigits).toBe(3);
    expect(cl100kSplitter(QWEN2_SPLIT_REGEX)?.maxDigits).toBe(1);
    expect(cl100kSplitter(LLAMA3_SPLIT_REGEX.replace('{1,3}', '{1,2}'))).toBeNull();
  });
});

describe('added-token split', () => {
  const tokens = ['<|eot_id|>', '<|eot|>', '<|a|>', '<s>', '|>'].map((content, id) => ({ content, id }));
  const pieces = fc.array(fc.constantFrom('<|', 'eot_id', 'eot', '|>', '<|eot_id|>', '<s>', '<', '|', 'a', 's>', ' ', 'é'), { maxLength: 20 }).map((p) => p.join(''));

  it('cuts random text like a capturing regex of the tokens, longest first', () => {
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`(${tokens.map((t) => t.content).sort((a, b) => b.length - a.length).map(esc).join('|')})`);
    const splitter = new AddedTokenSplitter(tokens);
    fc.assert(
      fc.property(pieces, (t) => {
        expect(splitter.split(t)).toEqual(t.split(re));
      }),
      { numRuns: 1_500, seed: 5 },
    );
    expect(splitter.split('a<|eot_id|>b')).toEqual(['a', '<|eot_id|>', 'b']);
    expect(splitter.idOf('<|eot|>')).toBe(1);
  });
});
