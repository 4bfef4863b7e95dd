import { describe, expect, it } from 'vitest';
import { InFlightTracker } from '../../src/router-sim/tracker.ts';

describe('InFlightTracker', () => {
  it('adds prefill tokens and blocks on route, moves prefill off at first token, frees at the end', () => {
    const t = new InFlightTracker(2, 64);
    t.add('a', 1, { blockHashes: [1, 2, 3], isl: 3 * 64 + 10, newTokens: 130 }, 0);
    expect(t.view(1)).toEqual({ inFlight: 1, activeBlocks: 4, activePrefillTokens: 130, activeDecodeBlocks: 4 });
    expect(t.view(0)).toEqual({ inFlight: 0, activeBlocks: 0, activePrefillTokens: 0, activeDecodeBlocks: 0 });
    t.firstToken('a', 5);
    t.firstToken('a', 6);
    expect(t.view(1).activePrefillTokens).toBe(0);
    t.addOutputTokens('a', 54); // 202 + 54 = 256 tokens = 4 blocks
    expect(t.view(1).activeBlocks).toBe(4);
    t.addOutputTokens('a', 1);
    expect(t.view(1).activeBlocks).toBe(5);
    expect(t.finish('a')?.outputTokens).toBe(55);
    expect(t.view(1)).toEqual({ inFlight: 0, activeBlocks: 0, activePrefillTokens: 0, activeDecodeBlocks: 0 });
    expect(t.finish('a')).toBeUndefined();
  });

  it('counts a prefix shared by in-flight requests once in decode blocks, and frees it by reference', () => {
    const t = new InFlightTracker(1, 64);
    t.add('a', 0, { blockHashes: [1, 2, 3], isl: 192, newTokens: 192 }, 0);
    t.add('b', 0, { blockHashes: [1, 2, 9], isl: 192, newTokens: 64 }, 1);
    expect(t.view(0).activeBlocks).toBe(6);
    expect(t.view(0).activeDecodeBlocks).toBe(4);
    expect(t.view(0).activePrefillTokens).toBe(256);
    expect(t.activeOverlap(0, [1, 2, 3, 4])).toBe(3);
    expect(t.activeOverlap(0, [5, 1])).toBe(0);
    t.finish('a'); // aborted before its first token: its prefill goes too
    expect(t.view(0)).toEqual({ inFlight: 1, activeBlocks: 3, activePrefillTokens: 64, activeDecodeBlocks: 3 });
    expect(t.activeOverlap(0, [1, 2, 3])).toBe(2);
  });

  it('counts distinct in-flight blocks and active overlaps as a refcount per block would, for prompts sharing chained prefixes', () => {
    let seed = 99;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const t = new InFlightTracker(2, 16);
    const refs = [new Map<number, number>(), new Map<number, number>()];
    const live = new Map<string, { worker: number; hashes: number[] }>();
    const prompts: number[][] = [[]];
    let fresh = 1;
    for (let step = 0; step < 2000; step++) {
      if (live.size > 0 && rand(3) === 0) {
        const ids = [...live.keys()];
        const id = ids[rand(ids.length)];
        const { worker, hashes } = live.get(id)!;
        t.finish(id);
        live.delete(id);
        for (const h of hashes) refs[worker].set(h, refs[worker].get(h)! - 1);
      } else {
        // A prompt extends a prefix of an earlier one with fresh blocks (chained: a hash names its prefix).
        const base = prompts[rand(prompts.length)];
        const hashes = base.slice(0, rand(base.length + 1));
        for (let i = rand(5); i > 0; i--) hashes.push(fresh++);
        prompts.push(hashes);
        const worker = rand(2);
        const id = `r${step}`;
        t.add(id, worker, { blockHashes: rand(4) === 0 ? [...hashes] : hashes, isl: hashes.length * 16, newTokens: 0 }, step);
        live.set(id, { worker, hashes });
        for (const h of hashes) refs[worker].set(h, (refs[worker].get(h) ?? 0) + 1);
      }
      for (let w = 0; w < 2; w++) {
        const held = (h: number) => (refs[w].get(h) ?? 0) > 0;
        expect(t.view(w).activeDecodeBlocks).toBe([...refs[w].values()].filter((c) => c > 0).length);
        const q = prompts[rand(prompts.length)];
        let n = 0;
        while (n < q.length && held(q[n])) n++;
        expect(t.activeOverlap(w, q)).toBe(n);
      }
    }
  });

  it('finds a prompt group again after its first block left and came back, whatever was asked in between', () => {
    const t = new InFlightTracker(2, 16);
    t.add('a', 0, { blockHashes: [1, 2], isl: 32, newTokens: 0 }, 0);
    t.finish('a');
    t.add('b', 1, { blockHashes: [1, 3], isl: 32, newTokens: 0 }, 1);
    expect(t.activeOverlap(0, [7, 8])).toBe(0);
    expect(t.activeOverlap(1, [1, 3, 4])).toBe(2);
    expect(t.activeOverlap(0, [1, 3])).toBe(0);
    expect(t.view(1).activeDecodeBlocks).toBe(2);
  });

  it('expires requests that never finished', () => {
    const t = new InFlightTracker(1, 64);
    t.add('old', 0, { blockHashes: [1], isl: 64, newTokens: 64 }, 0);
    t.add('new', 0, { blockHashes: [2], isl: 64, newTokens: 64 }, 1000);
    expect(t.expire(500)).toEqual(['old']);
    expect(t.size).toBe(1);
    expect(() => t.add('new', 0, { blockHashes: [], isl: 1, newTokens: 1 }, 0)).toThrow(/already tracked/);
  });
});
