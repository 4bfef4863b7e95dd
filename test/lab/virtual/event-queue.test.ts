import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../../src/lab/virtual/event-queue.ts';

describe('event queue', () => {
  it('pops by time, then by insertion order, however pushes and pops interleave', () => {
    // Integer times with many ties; long ascending runs (past the run's compaction point) and
    // out-of-order pushes that tie with them; pops in between.
    const op = fc.oneof(
      fc.record({ push: fc.integer({ min: -30, max: 30 }) }),
      fc.record({ pops: fc.integer({ min: 1, max: 400 }) }),
      fc.record({ ascending: fc.integer({ min: 1, max: 1500 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const q = new EventQueue<number>();
        let model: { t: number; id: number }[] = [];
        let sorted = true;
        let id = 0;
        let base = 100;
        const push = (t: number): void => {
          q.push(t, id);
          model.push({ t, id: id++ });
          sorted = false;
        };
        const popOne = (): void => {
          if (!sorted) model = model.sort((a, b) => a.t - b.t || a.id - b.id);
          sorted = true;
          const want = model.shift();
          expect(q.peekTime()).toBe(want === undefined ? Infinity : want.t);
          expect(q.pop()).toBe(want?.id);
        };
        for (const o of ops) {
          if ('push' in o) push(base + o.push);
          else if ('pops' in o) for (let k = 0; k < o.pops; k++) popOne();
          else {
            for (let k = 0; k < o.ascending; k++) push(base + Math.floor(k / 50));
            base += Math.ceil(o.ascending / 50);
          }
          expect(q.size).toBe(model.length);
        }
        while (model.length > 0) popOne();
        expect(q.size).toBe(0);
        expect(q.pop()).toBeUndefined();
      }),
      { seed: 5, numRuns: 100 },
    );
  });

  it('pops pushed-then-drained events in time order, ties in insertion order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (times) => {
        const q = new EventQueue<number>();
        times.forEach((t, i) => q.push(t, i));
        const out: Array<[number, number]> = [];
        while (q.size > 0) {
          const t = q.peekTime();
          out.push([t, q.pop()!]);
        }
        const expected = times.map((t, i) => [t, i] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(out).toEqual(expected);
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('reports Infinity and undefined when empty', () => {
    const q = new EventQueue<string>();
    expect(q.peekTime()).toBe(Infinity);
    expect(q.pop()).toBeUndefined();
  });

  it('refuses a non-finite time', () => {
    expect(() => new EventQueue<number>().push(Number.NaN, 1)).toThrow(/finite/);
  });
});
