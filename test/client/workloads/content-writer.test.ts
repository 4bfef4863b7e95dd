import { describe, expect, it } from 'vitest';
import { attachContentWriter, contentWriterOf, partsWriter } from '../../../src/client/workloads/content-writer.ts';
import { lazyLoremMessage, textMessage } from '../../../src/client/workloads/messages.ts';
import { buildPrefixRatio } from '../../../src/client/workloads/prefix-ratio.ts';
import { loremTokenArray, loremTokens } from '../../../src/core/lorem.ts';
import { createRng } from '../../../src/core/rng.ts';
import { encode } from '../../../src/core/tokenizer.ts';

/** What a writer puts into a buffer at `offset`, with sentinels around it. */
function written(writer: { length: number; write(out: Int32Array, at: number): void }, offset: number): number[] {
  const out = new Int32Array(writer.length + offset + 2).fill(-7);
  writer.write(out, offset);
  expect(out[offset - 1] ?? -7).toBe(-7);
  expect(out[offset + writer.length]).toBe(-7);
  return Array.from(out.subarray(offset, offset + writer.length));
}

describe('content writers', () => {
  it('write a lazy lorem message’s parts (plain and typed arrays) as exactly its contentTokens, at any offset', () => {
    const rng = createRng('writer');
    const prefix = loremTokens(rng, 37);
    const own = loremTokenArray(rng, 101);
    const last = loremTokens(rng, 3);
    const msg = lazyLoremMessage('user', [prefix, own, [], last]);
    // Expected from the parts themselves (contentTokens is read through the writer too).
    const ids = [...prefix, ...own, ...last];
    const writer = contentWriterOf(msg)!;
    expect(writer.length).toBe(141);
    expect(written(writer, 0)).toEqual(ids);
    expect(written(writer, 5)).toEqual(ids);
    expect(msg.contentTokens).toEqual(ids);
  });

  it('give every prefix-ratio request a writer equal to its contentTokens, and none to plain messages', () => {
    const w = buildPrefixRatio({ requests: 12, isl: 300, prefixRatio: 0.5, numPrefixPrompts: 3 });
    for (const s of w.scripts) {
      const m = s.turns[0].messages[0];
      // Expected from the message's text (lorem text re-encodes to exactly its ids).
      expect(written(contentWriterOf(m)!, 3)).toEqual(encode(m.content as string));
    }
    expect(contentWriterOf(textMessage('user', 'hi'))).toBeUndefined();
    expect(contentWriterOf({ role: 'user', content: 'x', contentTokens: [1, 2] })).toBeUndefined();
  });

  it('keep the writer attached to its own message only', () => {
    const a = textMessage('user', 'a');
    const b = textMessage('user', 'b');
    attachContentWriter(a, partsWriter([[1, 2, 3]]));
    expect(written(contentWriterOf(a)!, 1)).toEqual([1, 2, 3]);
    expect(contentWriterOf(b)).toBeUndefined();
  });
});
