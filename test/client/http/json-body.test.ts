import { describe, expect, it } from 'vitest';
import { encodeJsonBody } from '../../../src/client/http/json-body.ts';
import { ConversationState } from '../../../src/client/runner/history.ts';
import { jsonContentOf } from '../../../src/client/workloads/json-content.ts';
import { lazyLoremMessage, textMessage } from '../../../src/client/workloads/messages.ts';
import { loremTokenArray, tokensToLoremText } from '../../../src/core/lorem.ts';
import { createRng } from '../../../src/core/rng.ts';

const rng = createRng('json-body');
const prefix = loremTokenArray(rng, 300);
const own = loremTokenArray(rng, 2_000);
const prefixText = tokensToLoremText(prefix);

/** A sent chat (as the runner builds it) whose last message is a lazy lorem one. */
function sentMessages() {
  const lazy = lazyLoremMessage('user', [prefix, own], [prefixText, null]);
  const state = new ConversationState({
    id: 'c',
    preamble: [textMessage('system', 'Sé "brief" \\ ✓\n')],
    turns: [{ messages: [lazy], maxTokens: 4, ignoreEos: true, delayMs: 0 }],
    keepHistory: true,
  });
  return state.messagesFor(0);
}

describe('encodeJsonBody', () => {
  it('writes a body with lorem content from its token ids, byte for byte what JSON.stringify gives for its text', () => {
    const messages = sentMessages();
    const body = { model: 'm', messages, max_tokens: 4, skipped: undefined, stream: true, stream_options: { include_usage: true }, nvext: { agent_hints: { x: [1, 'two'] } } };
    const out = encodeJsonBody(body);
    expect(Buffer.isBuffer(out)).toBe(true);
    const plain = { ...body, messages: messages.map((m) => ({ role: m.role, content: m.content })) };
    expect((out as Buffer).toString('utf8')).toBe(JSON.stringify(plain));
    expect(JSON.parse((out as Buffer).toString('utf8')).messages[1].content).toBe(prefixText + tokensToLoremText(own));
  });

  it('is JSON.stringify itself when no message writes its own content', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi "there"' }], max_tokens: 1 };
    expect(encodeJsonBody(body)).toBe(JSON.stringify(body));
    expect(encodeJsonBody({ prompt: 'x', messages: 'not an array' })).toBe(JSON.stringify({ prompt: 'x', messages: 'not an array' }));
  });

  it('keeps a lorem message lazy on its way to the transport: its JSON content rides along, its text is the same', () => {
    const [system, user] = sentMessages();
    expect(jsonContentOf(system)).toBeUndefined();
    expect(jsonContentOf(user)).toBeDefined();
    expect(user.content).toBe(prefixText + tokensToLoremText(own));
    expect(JSON.parse(JSON.stringify(user))).toEqual({ role: 'user', content: user.content });
  });
});
