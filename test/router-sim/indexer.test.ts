import { describe, expect, it } from 'vitest';
import { blockHashes } from '../../src/core/block-hash.ts';
import { KvIndexer } from '../../src/router-sim/indexer.ts';

describe('KvIndexer', () => {
  it('counts only contiguous LEADING blocks as overlap', () => {
    const ix = new KvIndexer(3);
    ix.store(0, [1, 2, 3, 4]);
    ix.store(1, [1, 3, 4]); // misses block 2
    ix.store(2, [2, 3]); // misses block 1
    expect(Array.from(ix.overlaps([1, 2, 3, 4, 5]))).toEqual([4, 1, 0]);
    expect(Array.from(ix.overlaps([9, 1, 2]))).toEqual([0, 0, 0]);
    expect(Array.from(ix.overlaps([]))).toEqual([0, 0, 0]);
  });

  it('stores, removes and clears per worker, keeping sizes consistent', () => {
    const ix = new KvIndexer(2);
    expect(ix.store(0, [1, 2, 3])).toBe(3);
    expect(ix.store(0, [3, 4])).toBe(1);
    expect(ix.store(1, [1, 2])).toBe(2);
    expect(ix.size).toBe(4);
    expect(ix.blocksOf(0)).toBe(4);
    expect(ix.remove(0, [2, 99])).toBe(1);
    expect(ix.holds(0, 2)).toBe(false);
    expect(ix.holds(1, 2)).toBe(true);
    expect(Array.from(ix.overlaps([1, 2, 3]))).toEqual([1, 2]);
    expect(ix.clearWorker(1)).toBe(2);
    expect(ix.size).toBe(3); // 1, 3, 4 on worker 0
    expect(ix.blocksOf(1)).toBe(0);
    expect(ix.remove(0, [1, 3, 4])).toBe(3);
    expect(ix.size).toBe(0);
  });

  it('writes overlaps into an array the caller passes, setting every worker entry, and refuses one too short', () => {
    const ix = new KvIndexer(3);
    ix.store(0, [1, 2, 3]);
    ix.store(2, [1]);
    const into = new Uint32Array([9, 9, 9, 9]);
    expect(ix.overlaps([1, 2, 5], into)).toBe(into);
    expect(Array.from(into)).toEqual([2, 0, 1, 9]);
    expect(() => ix.overlaps([1], new Uint32Array(2))).toThrow(/array of 2 for 3 workers/);
  });

  it('handles more than 32 workers (multi-word bitsets)', () => {
    const ix = new KvIndexer(64);
    ix.store(63, [10, 11, 12]);
    ix.store(31, [10, 11]);
    ix.store(32, [10]);
    ix.store(0, [10, 11, 12]);
    const o = ix.overlaps([10, 11, 12, 13]);
    expect(o[63]).toBe(3);
    expect(o[31]).toBe(2);
    expect(o[32]).toBe(1);
    expect(o[0]).toBe(3);
    expect(o[5]).toBe(0);
  });

  it('agrees with a naive model under random stores, removals and clears (1, 2 and 4 bitset words, the table growing and entries leaving it)', () => {
    for (const W of [8, 40, 100]) {
      const ix = new KvIndexer(W, 4);
      const model = Array.from({ length: W }, () => new Set<number>());
      let seed = 12345;
      const rand = (n: number) => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed % n;
      };
      for (let step = 0; step < 3000; step++) {
        const w = rand(W);
        const hs = Array.from({ length: 1 + rand(6) }, () => rand(50));
        const op = rand(10);
        if (op < 6) {
          ix.store(w, hs);
          hs.forEach((h) => model[w].add(h));
        } else if (op < 9) {
          ix.remove(w, hs);
          hs.forEach((h) => model[w].delete(h));
        } else {
          ix.clearWorker(w);
          model[w].clear();
        }
        if (step % 50 === 0) {
          const q = Array.from({ length: 1 + rand(40) }, () => rand(50));
          const got = ix.overlaps(q);
          for (let k = 0; k < W; k++) {
            let n = 0;
            while (n < q.length && model[k].has(q[n])) n++;
            expect(got[k]).toBe(n);
            expect(ix.blocksOf(k)).toBe(model[k].size);
          }
          expect(ix.size).toBe(new Set(model.flatMap((s) => [...s])).size);
        }
      }
    }
  });

  it('answers overlap queries quickly with 1,000,000 blocks over 64 workers', () => {
    const ix = new KvIndexer(64, 1 << 20);
    const perWorker = 1_000_000 / 64;
    const prompts: number[][] = [];
    for (let w = 0; w < 64; w++) {
      const tokens = Array.from({ length: perWorker }, (_, i) => w * 1_000_003 + i);
      const hs = blockHashes(tokens, 1);
      ix.store(w, hs);
      prompts.push(hs.slice(0, 100));
    }
    expect(ix.size).toBe(1_000_000);
    for (let w = 0; w < 64; w++) {
      const o = ix.overlaps(prompts[w]);
      expect(o[w]).toBe(100);
      expect(o[(w + 1) % 64]).toBe(0);
    }
  });
});
