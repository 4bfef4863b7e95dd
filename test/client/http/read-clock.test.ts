import { describe, expect, it } from 'vitest';
import { readClock } from '../../../src/client/http/read-clock.ts';

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe('the read clock', () => {
  it("gives every read of one poll phase the first one's stamp, and reads the clock anew in the next phase", async () => {
    let readings = 0;
    const stamp = readClock(() => ++readings);
    expect([stamp(), stamp(), stamp()]).toEqual([1, 1, 1]);
    await Promise.resolve(); // microtasks of the same phase
    expect(stamp()).toBe(1);
    await nextTurn();
    expect([stamp(), stamp()]).toEqual([2, 2]);
    expect(readings).toBe(2);
  });
});
