import { describe, expect, it } from 'vitest';
import { chatPromptIds, SPECIAL_TOKEN_TEXTS } from '../../src/llama/chat-format.ts';

const vocab = {
  special: (t: string) => 1000 + SPECIAL_TOKEN_TEXTS.indexOf(t),
  tokenize: (t: string) => [...t].map((c) => c.charCodeAt(0)),
};

describe('llama-worker chat format', () => {
  it('frames each message as <|role|> content <|end|> and ends with <|assistant|>', () => {
    const ids = chatPromptIds(vocab, [{ role: 'user', content: 'hi' }]);
    expect(ids).toEqual([vocab.special('<|user|>'), 104, 105, vocab.special('<|end|>'), vocab.special('<|assistant|>')]);
  });

  it("starts a follow-up turn's prompt with the previous turn's prompt, token for token", () => {
    const turn1 = chatPromptIds(vocab, [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'q1' }]);
    const turn2 = chatPromptIds(vocab, [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q2' },
    ]);
    expect(turn2.slice(0, turn1.length)).toEqual(turn1);
  });

  it('refuses a role the format has no token for, naming the message', () => {
    expect(() => chatPromptIds(vocab, [{ role: 'user', content: 'a' }, { role: 'wizard', content: 'b' }])).toThrow(/messages\[1\]\.role must be one of/);
  });
});
