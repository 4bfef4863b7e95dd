import { describe, expect, it } from 'vitest';
import { Deque } from '../../../src/mocker/engine/deque.ts';

describe('deque', () => {
  it('keeps order across growth, front pushes and removals', () => {
    const d = new Deque<number>(4);
    const model: number[] = [];
    for (let i = 0; i < 50; i++) {
      if (i % 3 === 0) {
        d.pushFront(i);
        model.unshift(i);
      } else {
        d.pushBack(i);
        model.push(i);
      }
      if (i % 7 === 0) expect(d.popFront()).toBe(model.shift());
      if (i % 11 === 0 && model.length > 0) {
        const victim = model[Math.floor(model.length / 2)];
        expect(d.remove(victim)).toBe(true);
        model.splice(model.indexOf(victim), 1);
      }
    }
    expect(d.remove(-1)).toBe(false);
    expect(d.length).toBe(model.length);
    expect(Array.from({ length: d.length }, (_, i) => d.at(i))).toEqual(model);
    expect(d.peekFront()).toBe(model[0]);
  });
});
