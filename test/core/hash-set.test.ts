import { describe, expect, it } from 'vitest';
import { blockHashes } from '../../src/core/block-hash.ts';
import { HashSet } from '../../src/core/hash-set.ts';

describe('HashSet', () => {
  it('holds exactly the keys added, through several doublings, with the same answers as a Set', () => {
    const keys = blockHashes(Array.from({ length: 64 * 5000 }, (_, i) => (i * 7919) % 50_000), 64);
    const s = new HashSet(4);
    const ref = new Set<number>();
    for (let i = 0; i < keys.length; i++) {
      for (const k of i % 3 === 0 ? [keys[i], keys[i >> 1]] : [keys[i]]) {
        expect(s.add(k)).toBe(!ref.has(k)); // the second one of a pair is a repeat
        ref.add(k);
      }
    }
    expect(s.size).toBe(ref.size);
    for (const k of keys) expect(s.has(k)).toBe(true);
    for (const k of [1, 2, 3, 2 ** 53 - 1]) expect(s.has(k)).toBe(ref.has(k));
  });

  it('keeps key 0 apart from the empty-slot marker', () => {
    const s = new HashSet();
    expect(s.has(0)).toBe(false);
    expect(s.add(0)).toBe(true);
    expect(s.add(0)).toBe(false);
    expect(s.has(0)).toBe(true);
    expect(s.size).toBe(1);
    expect(s.has(5)).toBe(false);
  });
});
