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
    expect(h.chat(messages)).toEqual({ promptTokens: tokens.length, hashes: blockHashes(tokens, BS), tokens });
  });

  it('tells apart message lists with the same text split differently between messages and roles', () => {
    const h = new PromptHasher(new ChatTokenizer(), BS);
    const split = [
      [{ role: 'user', content: 'ab' }],
      [{ role: 'use', content: 'rab' }],
      [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
      ],
    ];
    const results = split.map((m) => h.chat(m));
    expect(results[0].promptTokens).not.toBe(results[2].promptTokens);
    for (const [i, m] of split.entries()) expect(results[i].promptTokens).toBe(new ChatTokenizer().encodeChat(m).length);
  });

  it('tokenizes completion text prompts; token-id prompts are hashed as given', () => {
    const h = new PromptHasher(new ChatTokenizer(), BS);
    const text = 'the quick brown fox jumps over the lazy dog';
    const t = encode(text);
    expect(h.completion(text)).toEqual({ promptTokens: t.length, hashes: blockHashes(t, BS), tokens: t });
    expect(h.completion([text])).toEqual({ promptTokens: t.length, hashes: blockHashes(t, BS), tokens: t });
    const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(h.completion(ids)).toEqual({ promptTokens: 9, hashes: blockHashes(ids, BS), tokens: ids });
  });

  it('refuses an over-long prompt by its bytes before tokenizing it', () => {
    const h = new PromptHasher(new ChatTokenizer(), BS);
    for (let i = 0; i < 2; i++) {
      expect(() => h.chat([{ role: 'user', content: 'y'.repeat(2 * 128 + 1) }], 2)).toThrow(expect.objectContaining({ code: 'context_length_exceeded' }));
    }
    expect(() => h.completion('z'.repeat(129), 1)).toThrow(expect.objectContaining({ code: 'context_length_exceeded' }));
  });
});
