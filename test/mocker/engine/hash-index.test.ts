import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashIndex } from '../../../src/mocker/engine/hash-index.ts';

describe('hash index', () => {
  it('behaves like a Map under random inserts and deletes (clustered and 53-bit keys)', () => {
    const keyArb = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
    const opArb = fc.tuple(fc.boolean(), keyArb, fc.integer({ min: 0, max: 1000 }));
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const idx = new HashIndex(64);
        const model = new Map<number, number>();
        for (const [insert, key, value] of ops) {
          if (insert && (model.size < 64 || model.has(key))) {
            idx.set(key, value);
            model.set(key, value);
          } else {
            expect(idx.delete(key)).toBe(model.delete(key));
          }
          expect(idx.size).toBe(model.size);
        }
        for (const [k, v] of model) expect(idx.get(k)).toBe(v);
        const seen = new Map<number, number>();
        idx.forEach((v, k) => seen.set(k, v));
        expect(seen).toEqual(model);
        expect(idx.get(-5)).toBe(-1);
      }),
      { seed: 99, numRuns: 300 },
    );
  });

  it('refuses to grow past its sized capacity', () => {
    const idx = new HashIndex(4); // 8 slots, up to 4 keys
    for (let k = 0; k < 4; k++) idx.set(k, k);
    expect(() => idx.set(99, 1)).toThrow(/full/);
    idx.clear();
    expect(idx.size).toBe(0);
    expect(idx.get(1)).toBe(-1);
  });
});
