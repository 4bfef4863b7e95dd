import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashIndex } from '../../src/core/hash-index.ts';

describe('hash index', () => {
  it('behaves like a Map under random inserts and deletes (clustered and 53-bit keys)', () => {
    const keyArb = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
    const opArb = fc.tuple(fc.boolean(), keyArb, fc.integer({ min: 0, max: 1000 }));
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const idx = new HashIndex(64, { fixed: true });
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

  it('a growable table keeps every entry as it doubles past its initial size', () => {
    const idx = new HashIndex(2);
    const model = new Map<number, number>();
    for (let k = 0; k < 5000; k++) {
      const key = k % 3 === 0 ? k : Number.MAX_SAFE_INTEGER - k * 7919;
      idx.set(key, k);
      model.set(key, k);
      if (k % 5 === 0) {
        idx.delete(key);
        model.delete(key);
      }
    }
    expect(idx.size).toBe(model.size);
    for (const [k, v] of model) expect(idx.get(k)).toBe(v);
  });

  it('find, valueAt and deleteAt reach an entry by its table position', () => {
    const idx = new HashIndex(4);
    const model = new Map<number, number>();
    for (let k = 0; k < 300; k++) {
      const key = (k * 2654435761) % Number.MAX_SAFE_INTEGER;
      idx.set(key, k);
      model.set(key, k);
    }
    for (const [key, v] of [...model].filter((_, i) => i % 3 === 0)) {
      const pos = idx.find(key);
      expect(idx.valueAt(pos)).toBe(v);
      idx.deleteAt(pos);
      model.delete(key);
      expect(idx.find(key)).toBe(-1);
      expect(idx.size).toBe(model.size);
    }
    for (const [k, v] of model) expect(idx.get(k)).toBe(v);
    expect(idx.find(-1)).toBe(-1);
    const empty = new HashIndex(4);
    expect(() => empty.deleteAt(0)).toThrow(/no entry/);
  });

  it('putIfAbsent returns the stored value, or stores the given one and returns -1', () => {
    const idx = new HashIndex(2);
    expect(idx.putIfAbsent(2 ** 52 + 1, 7)).toBe(-1);
    expect(idx.putIfAbsent(2 ** 52 + 1, 9)).toBe(7);
    for (let k = 0; k < 100; k++) expect(idx.putIfAbsent(k, k)).toBe(-1);
    expect(idx.size).toBe(101);
    expect(idx.get(2 ** 52 + 1)).toBe(7);
    expect(idx.get(99)).toBe(99);
  });

  it('addTo counts like a refcount map and drops a key when it reaches zero', () => {
    const keyArb = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
    fc.assert(
      fc.property(fc.array(fc.tuple(keyArb, fc.integer({ min: -3, max: 3 })), { maxLength: 300 }), (ops) => {
        const idx = new HashIndex(4);
        const model = new Map<number, number>();
        for (const [key, delta] of ops) {
          const next = Math.max(0, (model.get(key) ?? 0) + delta);
          if (next === 0) model.delete(key);
          else model.set(key, next);
          expect(idx.addTo(key, delta)).toBe(next);
          expect(idx.size).toBe(model.size);
        }
        for (const [k, v] of model) expect(idx.get(k)).toBe(v);
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('refuses to grow past its sized capacity', () => {
    const idx = new HashIndex(4, { fixed: true }); // 8 slots, up to 4 keys
    for (let k = 0; k < 4; k++) idx.set(k, k);
    expect(() => idx.set(99, 1)).toThrow(/full/);
    idx.clear();
    expect(idx.size).toBe(0);
    expect(idx.get(1)).toBe(-1);
  });
});
