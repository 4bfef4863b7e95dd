import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.ts';
import { BlockTable } from '../../../src/mocker/engine/block-table.ts';

/** A table over `capacity` blocks and the hashes it confirms matches against (−1: none), as the pool keeps them. */
function tableOf(capacity: number): { table: BlockTable; keyOf: Float64Array } {
  const keyOf = new Float64Array(capacity).fill(-1);
  return { table: new BlockTable(capacity, keyOf), keyOf };
}

describe('block table', () => {
  it('finds a stored hash, refuses a second block for it, and forgets it once the block drops it', () => {
    const { table, keyOf } = tableOf(4);
    expect(table.putIfAbsent(1234, 2)).toBe(-1);
    keyOf[2] = 1234;
    expect(table.get(1234)).toBe(2);
    expect(table.putIfAbsent(1234, 3)).toBe(2);
    expect(table.size).toBe(1);
    table.drop(2);
    keyOf[2] = -1;
    expect(table.get(1234)).toBe(-1);
    expect(table.size).toBe(0);
    expect(() => table.drop(2)).toThrow(/no entry/);
  });

  it('ignores a stale entry when its block caches another hash, and maps a hash re-stored elsewhere', () => {
    const { table, keyOf } = tableOf(4);
    table.putIfAbsent(7, 0);
    keyOf[0] = 7;
    table.drop(0);
    keyOf[0] = -1;
    expect(table.putIfAbsent(8, 0)).toBe(-1); // block 0 reused for another hash
    keyOf[0] = 8;
    expect(table.get(7)).toBe(-1);
    expect(table.putIfAbsent(7, 1)).toBe(-1);
    keyOf[1] = 7;
    expect(table.get(7)).toBe(1);
    expect(table.get(8)).toBe(0);
    const seen: [number, number][] = [];
    table.forEach((b, h) => seen.push([b, h]));
    expect(seen.sort()).toEqual([
      [0, 8],
      [1, 7],
    ]);
  });

  it('agrees with a Map through many stores and evictions (stale entries rebuilt away many times)', () => {
    const capacity = 64;
    const { table, keyOf } = tableOf(capacity);
    const rng = createRng('block-table');
    const truth = new Map<number, number>();
    for (let step = 0; step < 20_000; step++) {
      const b = rng.int(0, capacity - 1);
      if (keyOf[b] >= 0) {
        truth.delete(keyOf[b]);
        table.drop(b);
        keyOf[b] = -1;
      } else {
        // Few distinct hashes, so hashes come back and collide with stale entries of other blocks.
        const h = rng.int(0, 200) * 4_294_967_296 + rng.int(0, 3);
        const got = table.putIfAbsent(h, b);
        expect(got).toBe(truth.get(h) ?? -1);
        if (got < 0) {
          truth.set(h, b);
          keyOf[b] = h;
        }
      }
      const probe = rng.int(0, 200) * 4_294_967_296 + rng.int(0, 3);
      expect(table.get(probe)).toBe(truth.get(probe) ?? -1);
    }
    expect(table.size).toBe(truth.size);
    const live = new Map<number, number>();
    table.forEach((b, h) => live.set(h, b));
    expect(live).toEqual(truth);
  });
});
