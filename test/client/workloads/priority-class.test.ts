import { describe, expect, it } from 'vitest';
import { buildMultiturn } from '../../../src/client/workloads/multiturn.ts';
import { markPriorityClass, PRIORITY_CLASS_VALUE } from '../../../src/client/workloads/priority-class.ts';
import { shardWorkload } from '../../../src/client/workloads/shard.ts';

const base = () => buildMultiturn({ numUsers: 20, numTurns: 3, seed: 4 });
const classOf = (w: ReturnType<typeof base>) => w.scripts.map((s) => s.tags!.priorityClass);

describe('a seeded priority class over a workload', () => {
  it('puts round(share · conversations) users in the class; their every turn sends priority -1, the others none', () => {
    const w = markPriorityClass(base(), 0.25, 4);
    expect(classOf(w).filter((c) => c === 'priority')).toHaveLength(5);
    for (const s of w.scripts) {
      for (const t of s.turns) expect(t.extraBody?.priority).toBe(s.tags!.priorityClass === 'priority' ? PRIORITY_CLASS_VALUE : undefined);
    }
    expect(w.params.priorityShare).toBe(0.25);
  });

  it('draws the same users for the same seed, others for another seed, and leaves the input untouched', () => {
    const input = base();
    expect(classOf(markPriorityClass(input, 0.3, 4))).toEqual(classOf(markPriorityClass(base(), 0.3, 4)));
    expect(classOf(markPriorityClass(input, 0.3, 5))).not.toEqual(classOf(markPriorityClass(input, 0.3, 4)));
    expect(input.scripts[0].tags?.priorityClass).toBeUndefined();
    expect(classOf(markPriorityClass(input, 0, 4)).every((c) => c === 'standard')).toBe(true);
    expect(classOf(markPriorityClass(input, 1, 4)).every((c) => c === 'priority')).toBe(true);
  });

  it('keeps each user in its class when the workload is sharded afterwards', () => {
    const w = markPriorityClass(base(), 0.5, 4);
    const byId = new Map(w.scripts.map((s) => [s.id, s.tags!.priorityClass]));
    for (const index of [0, 1]) for (const s of shardWorkload(w, { index, count: 2 }).scripts) expect(s.tags!.priorityClass).toBe(byId.get(s.id));
  });

  it('refuses a share outside [0, 1] naming priorityShare', () => {
    expect(() => markPriorityClass(base(), -0.1, 4)).toThrow(/priorityShare: must be a number in \[0, 1\], got -0.1/);
  });
});
