import { describe, expect, it } from 'vitest';
import { decodesFirstBatch } from '../../src/llama/batch-order.ts';

const item = (n: number) => ({ tokens: new Array<number>(n).fill(0) });
const shares = (items: { tokens: unknown[] }[], size: number) => decodesFirstBatch({ items, size }).map((s) => [items.indexOf(s.item), s.processAmount]);

describe('llama-worker batch order', () => {
  it("puts every generating slot's next token first, then fills the rest with the oldest prompt before the next", () => {
    const items = [item(600), item(1), item(300), item(1)];
    expect(shares(items, 512)).toEqual([
      [1, 1],
      [3, 1],
      [0, 510],
    ]);
  });

  it('gives a later prompt only the room the earlier ones leave', () => {
    const items = [item(100), item(1), item(500)];
    expect(shares(items, 512)).toEqual([
      [1, 1],
      [0, 100],
      [2, 411],
    ]);
  });

  it('never puts more tokens in a batch than it holds, decodes included', () => {
    const items = [item(1), item(1), item(1), item(50)];
    const out = decodesFirstBatch({ items, size: 2 });
    expect(out.reduce((a, s) => a + s.processAmount, 0)).toBe(2);
    expect(out.every((s) => s.item.tokens.length === 1)).toBe(true);
  });
});
