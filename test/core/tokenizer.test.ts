import fc from 'fast-check';
import { encode as o200kEncode } from 'gpt-tokenizer/encoding/o200k_base';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loremText } from '../../src/core/lorem.ts';
import { createRng } from '../../src/core/rng.ts';
import { countTokens, decode, encode, isValidToken, MAX_RUN_CHARS, NEWLINE_TOKEN, SPECIAL_TOKENS, VOCAB_SIZE } from '../../src/core/tokenizer.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('tokenizer (o200k_base facade)', () => {
  it('round-trips ordinary text', () => {
    const text = 'Hello, world! KV caches reuse prefixes across turns.\nSecond line.';
    expect(decode(encode(text))).toBe(text);
  });

  it('encodes known o200k ids', () => {
    expect(encode('\n')).toEqual([NEWLINE_TOKEN]);
    expect(encode(' lorem')).toHaveLength(1);
  });

  it('treats special-token text as plain text, never as a special id', () => {
    const text = 'a <|im_start|>user\nhi<|im_end|> <|endoftext|>';
    const ids = encode(text);
    expect(ids).not.toContain(SPECIAL_TOKENS.imStart);
    expect(ids).not.toContain(SPECIAL_TOKENS.imEnd);
    expect(ids).not.toContain(SPECIAL_TOKENS.endOfText);
    expect(ids.length).toBeGreaterThan(5);
    expect(decode(ids)).toBe(text);
  });

  it('decodes special ids to their text form', () => {
    expect(decode([SPECIAL_TOKENS.imStart, SPECIAL_TOKENS.imEnd])).toBe('<|im_start|><|im_end|>');
  });

  it('counts tokens like encode', () => {
    const text = 'The quick brown fox jumps over the lazy dog.';
    expect(countTokens(text)).toBe(encode(text).length);
    expect(countTokens('')).toBe(0);
  });

  it('decodes any ArrayLike (typed arrays too)', () => {
    const ids = encode('typed arrays work');
    expect(decode(Uint32Array.from(ids))).toBe('typed arrays work');
  });

  it('rejects ids outside the vocabulary with a clear RangeError', () => {
    expect(isValidToken(VOCAB_SIZE - 1)).toBe(true);
    expect(isValidToken(VOCAB_SIZE)).toBe(false);
    expect(isValidToken(199998)).toBe(false);
    expect(isValidToken(-1)).toBe(false);
    expect(isValidToken(1.5)).toBe(false);
    expect(() => decode([1, VOCAB_SIZE])).toThrow(/token id 200007 \(at index 1\)/);
  });
});

describe('long runs without spaces', () => {
  it('are cut into MAX_RUN_CHARS pieces before BPE (no quadratic stall) and still decode back', () => {
    const run = 'ab'.repeat(25_000); // 50,000 chars, no whitespace
    const text = `start ${run} end`;
    const ids = encode(text);
    expect(decode(ids)).toBe(text);
    const pieces: number[] = [...encode('start ')];
    for (let i = 0; i < run.length; i += MAX_RUN_CHARS) pieces.push(...encode(run.slice(i, i + MAX_RUN_CHARS)));
    pieces.push(...encode(' end'));
    expect(ids).toEqual(pieces);
  });

  it('never splits a surrogate pair', () => {
    const text = '😀'.repeat(2_000);
    expect(decode(encode(text))).toBe(text);
  });
});

describe('ids identical to gpt-tokenizer o200k_base', () => {
  const reference = (text: string): number[] => o200kEncode(text, { allowedSpecial: new Set(), disallowedSpecial: new Set() });
  const dataText = (): string => {
    const dirs = ['data/documents', 'data/corpus'].map((d) => join(ROOT, d));
    return dirs.flatMap((d) => readdirSync(d).filter((f) => f !== 'README.md').sort().map((f) => readFileSync(join(d, f), 'utf8'))).join('\n\n');
  };

  it('on the documents and the corpus', () => {
    const text = dataText();
    expect(encode(text)).toEqual(reference(text));
  });

  it('on lorem prompts', () => {
    const { text, tokens } = loremText(createRng('tokenizer/lorem'), 20_000);
    expect(encode(text)).toEqual(reference(text));
    expect(encode(text)).toEqual(tokens);
  });

  it('on random text of every character class (below the long-run cut)', () => {
    const chars = [
      'a', 'Q', 'x', ' the', ' The', ' THE', "'s", "'LL", "n't", '0', '42', '1234', ' ', '  ', '\t', '\n', '\r\n', '\v', '\f', '/', '.',
      ',', '!?', '(', '"', '<|im_start|>', '<|endoftext|>', '\x00', 'é', 'Ünïcödé', 'ß', 'ǅ', 'ʰ', '中文', '\u0301', '²', '٣', '\u00a0',
      '\u2028', '\u3000', '—', '😀', '\ud800', '🏳️‍🌈',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...chars), { maxLength: 80 }), (parts) => {
        const text = parts.join('');
        expect(encode(text)).toEqual(reference(text));
      }),
      { numRuns: 5_000, seed: 7 },
    );
  });

  it('after the piece memo overflows (more distinct pieces than it holds)', () => {
    const rng = createRng('tokenizer/overflow');
    const words: string[] = [];
    for (let i = 0; i < 40_000; i++) words.push(` w${Math.floor(rng.next() * 1e9).toString(36)}x`);
    const text = words.join('');
    expect(encode(text)).toEqual(reference(text));
    expect(encode(text)).toEqual(reference(text));
  });
});
