import { describe, expect, it } from 'vitest';
import { blockHashes } from '../../../src/core/block-hash.ts';
import { ChatTokenizer } from '../../../src/core/chat-template.ts';
import { encode } from '../../../src/core/tokenizer.ts';
import { PromptHasher } from '../../../src/router-sim/server/prompt.ts';

const BS = 4;

describe('PromptHasher', () => {
  it('gives the length and block hashes of the tokenized chat prompt, parts joined', () => {
    const h = new PromptHasher(new ChatTokenizer(), BS);
    const messages = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: [{ type: 'text' as const, text: 'Hello ' }, { type: 'text' as const, text: 'there, how are you?' }] },
    ];
    const tokens = new ChatTokenizer().encodeChat([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hello there, how are you?' },
    ]);
    expect(h.chat(messages)).toEqual({ promptTokens: tokens.length, hashes: blockHashes(tokens, BS) });
  });

  it('does not tokenize or hash a prompt seen before, and tells apart message lists with the same text', () => {
    const h = new PromptHasher(new ChatTokenizer(), BS);
    const a = h.chat([{ role: 'user', content: 'one two three four five six seven' }]);
    expect(h.computed).toBe(1);
    expect(h.chat([{ role: 'user', content: 'one two three four five six seven' }])).toBe(a);
    expect(h.computed).toBe(1);
    // Same characters, split differently between messages and roles: different prompts.
    const split = [
      [{ role: 'user', content: 'ab' }],
      [{ role: 'use', content: 'rab' }],
      [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
      ],
    ];
    const results = split.map((m) => h.chat(m));
    expect(h.computed).toBe(4);
    expect(results[0].promptTokens).not.toBe(results[2].promptTokens);
    for (const [i, m] of split.entries()) expect(results[i].promptTokens).toBe(new ChatTokenizer().encodeChat(m).length);
  });

  it('memoises completion text prompts; token-id prompts are hashed as given', () => {
    const h = new PromptHasher(new ChatTokenizer(), BS);
    const text = 'the quick brown fox jumps over the lazy dog';
    const t = encode(text);
    expect(h.completion(text)).toEqual({ promptTokens: t.length, hashes: blockHashes(t, BS) });
    expect(h.completion([text])).toEqual({ promptTokens: t.length, hashes: blockHashes(t, BS) });
    expect(h.computed).toBe(1);
    expect(h.completion([1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual({ promptTokens: 9, hashes: blockHashes([1, 2, 3, 4, 5, 6, 7, 8, 9], BS) });
  });

  it('keeps its memo within the byte budget, evicting the least recently used prompt first', () => {
    const h = new PromptHasher(new ChatTokenizer(), BS, 4096);
    const msg = (i: number) => [{ role: 'user', content: `prompt number ${i} `.repeat(8) }];
    for (let i = 0; i < 40; i++) {
      h.chat(msg(i));
      h.chat(msg(0)); // keep prompt 0 recently used
      expect(h.memoBytes).toBeLessThanOrEqual(4096);
    }
    const before = h.computed;
    h.chat(msg(0));
    expect(h.computed).toBe(before); // still memoised
    h.chat(msg(1));
    expect(h.computed).toBe(before + 1); // evicted long ago
  });

  it('does not memoise a prompt too big for the budget, and still refuses an over-long prompt by its bytes', () => {
    const h = new PromptHasher(new ChatTokenizer(), BS, 4096);
    const big = [{ role: 'user', content: 'x'.repeat(3000) }];
    h.chat(big);
    h.chat(big);
    expect(h.computed).toBe(2);
    expect(h.memoBytes).toBe(0);
    for (let i = 0; i < 2; i++) {
      expect(() => h.chat([{ role: 'user', content: 'y'.repeat(2 * 128 + 1) }], 2)).toThrow(expect.objectContaining({ code: 'context_length_exceeded' }));
    }
    expect(() => h.completion('z'.repeat(129), 1)).toThrow(expect.objectContaining({ code: 'context_length_exceeded' }));
  });
});
