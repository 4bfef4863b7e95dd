import { describe, expect, it } from 'vitest';
import { RecordColumns } from '../../../src/lab/virtual/record-columns.ts';

describe('records kept as columns', () => {
  it('gives back every record equal to the one added, fields in the same order, whatever its shape, over several chunks', () => {
    const tags = { user: 3 };
    const added: Record<string, unknown>[] = [];
    for (let i = 0; i < 9000; i++) {
      added.push(
        i % 7 === 0
          ? { conversationId: `c${i}`, turn: i, ok: false, ttftMs: null, status: 400, error: 'too long', worker: null }
          : { conversationId: `c${i}`, turn: i, ok: true, ttftMs: i / 3, e2eMs: -0, tpotMs: Number.NaN, lateMs: undefined, worker: 'worker-1', tags },
      );
    }
    const cols = new RecordColumns<Record<string, unknown>>();
    for (const r of added) cols.add(r);
    expect(cols.length).toBe(9000);
    const back = [...cols];
    expect(back).toEqual(added);
    for (let i = 0; i < added.length; i += 97) expect(Object.keys(back[i])).toEqual(Object.keys(added[i]));
    expect(JSON.stringify(back)).toBe(JSON.stringify(added));
    expect(Object.is(back[1].e2eMs, -0)).toBe(true);
    expect('lateMs' in back[1]).toBe(true);
    // Shared values stay shared (a conversation's tags object).
    expect(back[1].tags).toBe(tags);
  });

  it('makes a new object for each record when an iteration reaches it, every pass', () => {
    const cols = new RecordColumns<{ a: number; b?: string }>();
    cols.add({ a: 1 });
    cols.add({ a: 2, b: 'x' });
    const pass = cols[Symbol.iterator]();
    const first = pass.next().value;
    expect(first).toEqual({ a: 1 });
    // Added after the pass started and before it got there: reached like the others.
    cols.add({ a: 3 });
    expect([pass.next().value, pass.next().value, pass.next().done]).toEqual([{ a: 2, b: 'x' }, { a: 3 }, true]);
    const again = [...cols];
    expect(again).toEqual([{ a: 1 }, { a: 2, b: 'x' }, { a: 3 }]);
    expect(again[0]).not.toBe(first);
    expect(cols.length).toBe(3);
  });

  it('refuses an index it does not hold', () => {
    const cols = new RecordColumns<{ a: number }>();
    cols.add({ a: 1 });
    expect(() => cols.at(1)).toThrow(/no record 1 of 1/);
  });
});
