import { describe, expect, it } from 'vitest';
import { blockHashes, hashBlock, ROOT_HASH } from '../../src/core/block-hash.ts';

describe('block hashes', () => {
  const tokens = Array.from({ length: 200 }, (_, i) => (i * 7919) % 50000);

  it('hashes only full blocks', () => {
    expect(blockHashes(tokens, 64)).toHaveLength(3);
    expect(blockHashes(tokens.slice(0, 63), 64)).toHaveLength(0);
  });

  it('gives safe non-negative integers', () => {
    for (const h of blockHashes(tokens, 16)) {
      expect(Number.isSafeInteger(h)).toBe(true);
      expect(h).toBeGreaterThanOrEqual(0);
    }
  });

  it('is chained: a block hash depends on every earlier block', () => {
    const other = tokens.slice();
    other[0] = 12345;
    const a = blockHashes(tokens, 64);
    const b = blockHashes(other, 64);
    expect(b[0]).not.toBe(a[0]);
    expect(b[2]).not.toBe(a[2]);
  });

  it('shares the hashes of an equal prefix', () => {
    const other = tokens.slice(0, 150).concat([1, 2, 3]);
    const a = blockHashes(tokens, 64);
    const b = blockHashes(other, 64);
    expect(b.slice(0, 2)).toEqual(a.slice(0, 2));
  });

  it('continues a chain from a parent hash', () => {
    const all = blockHashes(tokens, 50);
    const tail = blockHashes(tokens.slice(100), 50, all[1]);
    expect(tail).toEqual(all.slice(2));
  });

  it('is stable across runs (pinned value)', () => {
    expect(hashBlock(ROOT_HASH, [1, 2, 3, 4], 0, 4)).toBe(hashBlock(ROOT_HASH, new Int32Array([1, 2, 3, 4]), 0, 4));
    expect(blockHashes([1, 2, 3, 4], 4)[0]).toMatchInlineSnapshot(`1391059356525361`);
  });

  it('chains on a 53-bit parent hash by both of its lanes (pinned values)', () => {
    // Blocks 2 and 3 are seeded with parents above 2^32: their low 32 bits and their high lane both count.
    expect(blockHashes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 4)).toEqual([1391059356525361, 5412209727727370, 8578672443407289]);
    expect(hashBlock(2 ** 40 + 5, [1], 0, 1)).not.toBe(hashBlock(5, [1], 0, 1));
    expect(hashBlock(2 ** 40 + 5, [1], 0, 1)).not.toBe(hashBlock(2 ** 40 + 6, [1], 0, 1));
  });

  it('rarely collides on many distinct blocks', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) seen.add(hashBlock(ROOT_HASH, [i, i >> 3, 7], 0, 3));
    expect(seen.size).toBe(100_000);
  });
});
