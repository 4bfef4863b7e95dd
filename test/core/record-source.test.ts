import { describe, expect, it } from 'vitest';
import { where } from '../../src/core/record-source.ts';

describe('a filtered view of a record source', () => {
  it('gives the accepted records in order, every pass, and counts them once', () => {
    const records = [{ v: 1 }, { v: 2 }, { v: 3 }, { v: 4 }, { v: 5 }];
    let tests = 0;
    const odd = where(records, (r) => {
      tests++;
      return r.v % 2 === 1;
    });
    expect(tests).toBe(0);
    expect(odd.length).toBe(3);
    expect(odd.length).toBe(3);
    expect(tests).toBe(5);
    expect([...odd]).toEqual([{ v: 1 }, { v: 3 }, { v: 5 }]);
    expect([...odd].map((r) => r.v)).toEqual([1, 3, 5]);
    expect(where(odd, (r) => r.v > 1).length).toBe(2);
  });
});
