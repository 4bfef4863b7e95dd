import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ChatTokenizer, type ChatMessageLike } from '../../../src/core/chat-template.ts';
import { LOREM_TOKEN_IDS } from '../../../src/core/lorem.ts';
import { PromptBuilder } from '../../../src/lab/virtual/prompt-builder.ts';

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
});
