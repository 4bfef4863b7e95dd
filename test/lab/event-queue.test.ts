import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventQueue } from '../../src/lab/virtual/event-queue.ts';

describe('virtual event queue', () => {
  it('pops events in time order, ties in insertion order', () => {
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

  it('rejects a non-finite time', () => {
    expect(() => new EventQueue<string>().push(NaN, 'x')).toThrow(RangeError);
  });
});
