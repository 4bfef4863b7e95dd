import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.ts';
import { SlotList } from '../../src/core/slot-list.ts';

function walk(l: SlotList): number[] {
  const out: number[] = [];
  for (let s = l.head; s >= 0; s = l.nextOf(s)) out.push(s);
  return out;
}

describe('SlotList', () => {
  it('keeps slots in the order they were appended, with a touched slot moving to the tail', () => {
    const l = new SlotList(8);
    for (const s of [3, 1, 5]) l.append(s);
    l.unlink(3);
    l.append(3);
    expect(walk(l)).toEqual([1, 5, 3]);
    expect([l.head, l.tail, l.size]).toEqual([1, 3, 3]);
    expect([l.prevOf(1), l.prevOf(5), l.prevOf(3)]).toEqual([-1, 1, 5]);
  });

  it('matches an array model under random appends and unlinks, across grow and clear', () => {
    const rng = createRng('slot-list');
    const l = new SlotList(4);
    let slots = 4;
    let model: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const r = rng.next();
      if (r < 0.02 && slots < 256) {
        slots *= 2;
        l.grow(slots);
      } else if (r < 0.03) {
        l.clear();
        model = [];
      } else {
        const s = rng.int(0, slots - 1);
        if (model.includes(s)) {
          l.unlink(s);
          model = model.filter((x) => x !== s);
        } else {
          l.append(s);
          model.push(s);
        }
      }
      expect(l.size).toBe(model.length);
      expect(l.head).toBe(model[0] ?? -1);
      expect(l.tail).toBe(model.at(-1) ?? -1);
    }
    expect(walk(l)).toEqual(model);
  });
});
