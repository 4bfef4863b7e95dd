import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChatTokenizer,
  SECOND_SIGHT_CHARS,
  type ChatMessageLike,
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

/** The template restated plainly, without any memo: what encodeChat must always return. */
function unmemoised(messages: readonly ChatMessageLike[], addGenerationPrompt = true): number[] {
  const out: number[] = [];
  for (const m of messages) {
    const content = m.contentTokens !== undefined ? Array.from(m.contentTokens) : encode(m.content);
    out.push(IM_START, ...encode(m.role), NEWLINE_TOKEN, ...content, IM_END);
  }
  if (addGenerationPrompt) out.push(IM_START, ...encode('assistant'), NEWLINE_TOKEN);
  return out;
}

const user = (content: string): ChatMessageLike => ({ role: 'user', content });
/** Tokens a one-message user prompt (no generation prompt) holds in the memo. */
const framedLength = (content: string): number => unmemoised([user(content)], false).length;

describe('chat template memo', () => {
  const message = fc.record(
    {
      role: fc.oneof(fc.constantFrom('user', 'assistant', 'system', 'tool'), fc.string({ maxLength: 6 })),
      content: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary-ascii', maxLength: 40 }), fc.constant('')),
      contentTokens: fc.option(fc.array(fc.integer({ min: 0, max: 199_997 }), { maxLength: 8 }), { nil: undefined }),
    },
    { requiredKeys: ['role', 'content'] },
  );

  it('returns exactly the un-memoised encoding on random conversations, whatever the budget', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.array(fc.nat(), { maxLength: 16 }), fc.boolean()), { minLength: 1, maxLength: 8 }),
        fc.constantFrom(0, 3, 40, 200, undefined),
        fc.constantFrom(0, 1, 3, undefined),
        (pool, calls, maxCacheTokens, maxCacheEntries) => {
          const ct = new ChatTokenizer({ maxCacheTokens, maxCacheEntries });
          // A growing conversation first (the common case), then arbitrary picks with repeats.
          for (let k = 1; k <= pool.length; k++) expect(ct.encodeChat(pool.slice(0, k))).toEqual(unmemoised(pool.slice(0, k)));
          for (const [picks, gen] of calls) {
            const msgs = picks.map((i) => pool[i % pool.length]);
            expect(ct.encodeChat(msgs, gen)).toEqual(unmemoised(msgs, gen));
            const stats = ct.cacheStats;
            expect(stats.tokens).toBeLessThanOrEqual(maxCacheTokens ?? Infinity);
            expect(stats.entries).toBeLessThanOrEqual(maxCacheEntries ?? Infinity);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('returns a fresh array: mutating one prompt does not change the next', () => {
    const ct = new ChatTokenizer();
    const msgs = [user('hello there'), { role: 'assistant', content: 'hi' }];
    const first = ct.encodeChat(msgs);
    first.fill(0);
    first.push(1, 2, 3);
    expect(ct.encodeChat(msgs)).toEqual(unmemoised(msgs));
    const one = ct.encodeChat([msgs[0]], false); // a prompt of a single memoised message
    one.fill(0);
    expect(ct.encodeChat([msgs[0]], false)).toEqual(unmemoised([msgs[0]], false));
  });

  it('encodes a conversation with more messages than one concat call takes', () => {
    const ct = new ChatTokenizer();
    const contents = ['alpha', 'beta gamma', '', 'delta\n', ' epsilon'];
    const msgs = Array.from({ length: 9000 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: contents[i % contents.length] }));
    expect(ct.encodeChat(msgs)).toEqual(unmemoised(msgs));
  });

  it('accepts frozen arrays and typed arrays as contentTokens', () => {
    const ct = new ChatTokenizer();
    const msgs: ChatMessageLike[] = [
      { role: 'user', content: '', contentTokens: Object.freeze([11, 22, 33]) },
      { role: 'assistant', content: '', contentTokens: Int32Array.of(44, 55) },
    ];
    expect(ct.encodeChat(msgs)).toEqual(unmemoised(msgs));
  });

  it('does not keep a message larger than the token budget', () => {
    const big = loremText(createRng('big'), 40).text;
    const small = loremText(createRng('small'), 5).text;
    const ct = new ChatTokenizer({ maxCacheTokens: framedLength(big) - 1 });
    ct.encodeChat([user(big), user(small)]);
    expect(ct.cacheStats).toEqual({ entries: 1, tokens: framedLength(small) });
    const before = ct.tokenizeCount;
    expect(ct.encodeChat([user(big), user(small)])).toEqual(unmemoised([user(big), user(small)]));
    expect(ct.tokenizeCount - before).toBe(1); // the big one again, the small one from the memo
  });

  it('keeps a long message only from its second sighting, so one-off long prompts never fill the memo', () => {
    const rng = createRng('second-sight');
    const ct = new ChatTokenizer();
    const longs = Array.from({ length: 20 }, () => loremText(rng, 3000).text);
    expect(longs.every((t) => t.length > SECOND_SIGHT_CHARS)).toBe(true);
    for (const t of longs) ct.encodeChat([user(t)]);
    expect(ct.cacheStats.entries).toBe(0);
    // seen again: memoised now, and served from the memo the third time
    expect(ct.encodeChat([user(longs[3])])).toEqual(unmemoised([user(longs[3])]));
    expect(ct.cacheStats).toEqual({ entries: 1, tokens: framedLength(longs[3]) });
    const before = ct.tokenizeCount;
    expect(ct.encodeChat([user(longs[3])])).toEqual(unmemoised([user(longs[3])]));
    expect(ct.tokenizeCount).toBe(before);
    // a short message is memoised at once
    ct.encodeChat([user('short')]);
    expect(ct.cacheStats.entries).toBe(2);
  });

  it('evicts the least recently used messages first when the token budget is exceeded', () => {
    const rng = createRng('lru');
    const [a, b, c] = [loremText(rng, 10).text, loremText(rng, 10).text, loremText(rng, 10).text];
    const ct = new ChatTokenizer({ maxCacheTokens: framedLength(a) + framedLength(b) });
    ct.encodeChat([user(a)], false);
    ct.encodeChat([user(b)], false);
    ct.encodeChat([user(c)], false); // over budget: a, the oldest, goes
    expect(ct.cacheStats).toEqual({ entries: 2, tokens: framedLength(b) + framedLength(c) });
    let before = ct.tokenizeCount;
    ct.encodeChat([user(b), user(c)], false);
    expect(ct.tokenizeCount - before).toBe(0);
    before = ct.tokenizeCount;
    ct.encodeChat([user(a)], false);
    expect(ct.tokenizeCount - before).toBe(1);
  });

  it('keeps a recently used message when an older one must go', () => {
    const rng = createRng('recency');
    const [a, b, c] = [loremText(rng, 10).text, loremText(rng, 10).text, loremText(rng, 10).text];
    const ct = new ChatTokenizer({ maxCacheTokens: framedLength(a) + framedLength(b) });
    ct.encodeChat([user(a)], false);
    ct.encodeChat([user(b)], false);
    ct.encodeChat([user(a)], false); // a is now the most recently used
    ct.encodeChat([user(c)], false); // so b goes
    let before = ct.tokenizeCount;
    ct.encodeChat([user(a), user(c)], false);
    expect(ct.tokenizeCount - before).toBe(0);
    before = ct.tokenizeCount;
    ct.encodeChat([user(b)], false);
    expect(ct.tokenizeCount - before).toBe(1);
  });

  it('memoises the same content separately per role', () => {
    const ct = new ChatTokenizer();
    const msgs = [user('same words'), { role: 'assistant', content: 'same words' }];
    expect(ct.encodeChat(msgs)).toEqual(unmemoised(msgs));
    const before = ct.tokenizeCount;
    expect(ct.encodeChat(msgs)).toEqual(unmemoised(msgs));
    expect(ct.tokenizeCount - before).toBe(0);
    expect(ct.cacheStats.entries).toBe(2);
  });

  it('counts encodeText in the same token budget', () => {
    const text = loremText(createRng('text'), 30).text;
    const ct = new ChatTokenizer({ maxCacheTokens: 40 });
    ct.encodeChat([user('hello')], false);
    expect(ct.encodeText(text)).toEqual(encode(text));
    // 30 text tokens + the framed 'hello' message (5) fit; a second 30-token text evicts both.
    expect(ct.cacheStats).toEqual({ entries: 2, tokens: 30 + framedLength('hello') });
    ct.encodeText(loremText(createRng('text2'), 30).text);
    expect(ct.cacheStats).toEqual({ entries: 1, tokens: 30 });
  });

  it('turns memoisation off with a zero budget', () => {
    for (const opts of [{ maxCacheTokens: 0 }, { maxCacheEntries: 0 }]) {
      const ct = new ChatTokenizer(opts);
      ct.encodeChat([user('a'), user('b')]);
      const before = ct.tokenizeCount;
      expect(ct.encodeChat([user('a'), user('b')])).toEqual(unmemoised([user('a'), user('b')]));
      expect(ct.tokenizeCount - before).toBe(2);
      expect(ct.cacheStats).toEqual({ entries: 0, tokens: 0 });
    }
  });

  it('rejects a bad token budget', () => {
    expect(() => new ChatTokenizer({ maxCacheTokens: -1 })).toThrow(/maxCacheTokens/);
    expect(() => new ChatTokenizer({ maxCacheTokens: 1.5 })).toThrow(/maxCacheTokens/);
    expect(() => new ChatTokenizer({ maxCacheEntries: Number.NaN })).toThrow(/maxCacheEntries/);
  });
});
