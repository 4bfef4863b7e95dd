import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ChatTokenizer, type ChatMessageLike } from '../../../src/core/chat-template.ts';
import { LOREM_TOKEN_IDS } from '../../../src/core/lorem.ts';
import { PromptBuilder } from '../../../src/lab/virtual/prompt-builder.ts';
import { builtPrompt } from '../../../src/lab/virtual/request-plan.ts';
import { blockHashes } from '../../../src/core/block-hash.ts';

const role = fc.constantFrom('system', 'user', 'assistant');
const tokenMessage = fc.record({
  role,
  content: fc.constant(''),
  contentTokens: fc.array(fc.constantFrom(...LOREM_TOKEN_IDS.slice(0, 50)), { maxLength: 40 }),
});
const textMessage = fc.record({ role, content: fc.string({ maxLength: 30 }) });

describe('virtual prompt builder', () => {
  it('builds exactly the tokens of ChatTokenizer.encodeChat', () => {
    const tok = new ChatTokenizer();
    const builder = new PromptBuilder(tok);
    fc.assert(
      fc.property(fc.array(fc.oneof(tokenMessage, textMessage), { maxLength: 6 }), (messages: ChatMessageLike[]) => {
        expect(Array.from(builder.build(messages))).toEqual(tok.encodeChat(messages));
      }),
      { seed: 11, numRuns: 150 },
    );
  });

  it('accepts content given as a typed array', () => {
    const tok = new ChatTokenizer();
    const ids = LOREM_TOKEN_IDS.slice(0, 10);
    const built = new PromptBuilder(tok).build([{ role: 'user', content: '', contentTokens: Int32Array.from(ids) }]);
    expect(Array.from(built)).toEqual(tok.encodeChat([{ role: 'user', content: '', contentTokens: ids }]));
  });
  it('takes a content writer in place of content tokens, and prefers it to them', () => {
    const tok = new ChatTokenizer();
    const ids = LOREM_TOKEN_IDS.slice(5, 17);
    const writer = { length: ids.length, write: (out: Int32Array, at: number) => out.set(ids, at) };
    const built = new PromptBuilder(tok).build([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: '', contentTokens: [LOREM_TOKEN_IDS[0]], contentWriter: writer },
    ]);
    expect(Array.from(built)).toEqual(tok.encodeChat([{ role: 'system', content: 'be brief' }, { role: 'user', content: '', contentTokens: ids }]));
  });

  it('gives a hash-only prompt the full prompt\'s length and hashes and only the tokens after its last full block, call after call', () => {
    const tok = new ChatTokenizer();
    const builder = new PromptBuilder(tok);
    fc.assert(
      fc.property(fc.array(fc.oneof(tokenMessage, textMessage), { maxLength: 6 }), fc.integer({ min: 1, max: 16 }), (messages: ChatMessageLike[], bs: number) => {
        const whole = tok.encodeChat(messages);
        const cut = builtPrompt(builder, messages, bs, true);
        expect(cut.hashOnly).toBe(true);
        expect(cut.length).toBe(whole.length);
        expect(cut.hashes).toEqual(blockHashes(whole, bs));
        expect(Array.from(cut.tokens)).toEqual(whole.slice(Math.floor(whole.length / bs) * bs));
        const full = builtPrompt(builder, messages, bs);
        expect(full.hashOnly).toBe(false);
        expect(Array.from(full.tokens)).toEqual(whole);
        // The hash-only tail is its own array, not a view of the builder's reused buffer.
        const tail = Array.from(cut.tokens);
        builder.buildScratch([{ role: 'user', content: '', contentTokens: LOREM_TOKEN_IDS.slice(0, 40) }]);
        expect(Array.from(cut.tokens)).toEqual(tail);
      }),
      { seed: 12, numRuns: 150 },
    );
  });
});
