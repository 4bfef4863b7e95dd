import { describe, expect, it } from 'vitest';
import { countTokens, decode, encode, isValidToken, MAX_RUN_CHARS, NEWLINE_TOKEN, SPECIAL_TOKENS, VOCAB_SIZE } from '../../src/core/tokenizer.ts';

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
