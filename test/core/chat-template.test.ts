import { describe, expect, it } from 'vitest';
import {
  ChatTokenizer,
  GENERATION_PROMPT_TOKENS,
  IM_END,
  IM_START,
  NEWLINE_TOKEN,
  templateOverhead,
} from '../../src/core/chat-template.ts';
import { decode, encode } from '../../src/core/tokenizer.ts';
import { loremText } from '../../src/core/lorem.ts';
import { createRng } from '../../src/core/rng.ts';

describe('chat template', () => {
  it('frames each message with im_start, role, newline, content, im_end', () => {
    const ct = new ChatTokenizer();
    const ids = ct.encodeChat([{ role: 'user', content: 'Hi there' }], false);
    expect(ids).toEqual([IM_START, ...encode('user'), NEWLINE_TOKEN, ...encode('Hi there'), IM_END]);
    expect(decode(ids)).toBe('<|im_start|>user\nHi there<|im_end|>');
  });

  it('appends the generation prompt by default', () => {
    const ct = new ChatTokenizer();
    const ids = ct.encodeChat([{ role: 'user', content: 'x' }]);
    expect(ids.slice(-GENERATION_PROMPT_TOKENS.length)).toEqual([...GENERATION_PROMPT_TOKENS]);
    expect(decode(GENERATION_PROMPT_TOKENS)).toBe('<|im_start|>assistant\n');
  });

  it('templateOverhead matches the tokens added around one-token roles', () => {
    const ct = new ChatTokenizer();
    const msgs = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: 'hi' },
      { role: 'user', content: 'bye' },
    ];
    const content = msgs.reduce((n, m) => n + encode(m.content).length, 0);
    expect(ct.encodeChat(msgs).length - content).toBe(templateOverhead(msgs.length));
  });

  it('makes the next turn extend the previous prompt plus the answer tokens', () => {
    const ct = new ChatTokenizer();
    const rng = createRng(7);
    const user1 = loremText(rng, 40).text;
    const answer = loremText(rng, 30);
    const turn1 = ct.encodeChat([{ role: 'user', content: user1 }]);
    const turn2 = ct.encodeChat([
      { role: 'user', content: user1 },
      { role: 'assistant', content: answer.text, reasoning_content: 'secret thoughts' },
      { role: 'user', content: 'and then?' },
    ]);
    // The prompt of turn 1 ends with the generation prompt; the answer tokens follow it verbatim.
    expect(turn2.slice(0, turn1.length)).toEqual(turn1);
    expect(turn2.slice(turn1.length, turn1.length + answer.tokens.length)).toEqual(answer.tokens);
    expect(turn2[turn1.length + answer.tokens.length]).toBe(IM_END);
  });

  it('drops reasoning_content from history', () => {
    const ct = new ChatTokenizer();
    const a = ct.encodeChat([{ role: 'assistant', content: 'ok', reasoning_content: 'long thinking here' }]);
    const b = ct.encodeChat([{ role: 'assistant', content: 'ok' }]);
    expect(a).toEqual(b);
  });

  it('uses contentTokens instead of encoding content', () => {
    const ct = new ChatTokenizer();
    const ids = ct.encodeChat([{ role: 'user', content: 'ignored', contentTokens: [11, 22, 33] }], false);
    expect(ids).toEqual([IM_START, ...encode('user'), NEWLINE_TOKEN, 11, 22, 33, IM_END]);
  });

  it('does not merge content with the header', () => {
    const ct = new ChatTokenizer();
    // "\n" + "\nfoo" would merge into one "\n\n" token if encoded together.
    const ids = ct.encodeChat([{ role: 'user', content: '\nfoo' }], false);
    expect(ids.slice(3, -1)).toEqual(encode('\nfoo'));
  });

  it('memoises messages so earlier turns are not re-tokenized', () => {
    const ct = new ChatTokenizer();
    const history = [
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
    ];
    ct.encodeChat(history);
    const before = ct.tokenizeCount;
    ct.encodeChat([...history, { role: 'user', content: 'second question' }]);
    expect(ct.tokenizeCount - before).toBe(1);
  });

  it('bounds the memo (LRU) and still encodes correctly after eviction', () => {
    const ct = new ChatTokenizer({ maxCacheEntries: 2 });
    const m = (c: string) => [{ role: 'user', content: c }];
    const first = ct.encodeChat(m('a'));
    ct.encodeChat(m('b'));
    ct.encodeChat(m('c')); // evicts 'a'
    const before = ct.tokenizeCount;
    expect(ct.encodeChat(m('a'))).toEqual(first);
    expect(ct.tokenizeCount - before).toBe(1);
    const before2 = ct.tokenizeCount;
    ct.encodeChat(m('a'));
    expect(ct.tokenizeCount - before2).toBe(0);
  });

  it('encodeText memoises and matches encode', () => {
    const ct = new ChatTokenizer();
    expect(ct.encodeText('hello world')).toEqual(encode('hello world'));
    const before = ct.tokenizeCount;
    ct.encodeText('hello world');
    expect(ct.tokenizeCount).toBe(before);
  });

  it('rejects a negative cache size', () => {
    expect(() => new ChatTokenizer({ maxCacheEntries: -1 })).toThrow(/maxCacheEntries/);
  });
});
