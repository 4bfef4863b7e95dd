/**
 * The open loop's pacer: fires items at absolute due times on a Clock with ONE wait at a time. Each
 * wake-up fires every item that is due by then, in order (a late wake-up sends the backlog at once
 * rather than one timer per item), and tells each item how late it fired. Due times are absolute, so
 * lateness never accumulates into drift. Stops before the next item once `signal` aborts.
 */
import type { Clock } from './clock.ts';
import { sleepUntil } from './clock.ts';

/** Fire `items` (sorted by due time) at `dueOf(item)`; returns how many were fired. */
export async function pace<T>(
  clock: Clock,
  items: readonly T[],
  dueOf: (item: T) => number,
  fire: (item: T, lateMs: number) => void,
  signal?: AbortSignal,
): Promise<number> {
  let i = 0;
  while (i < items.length) {
    if (signal?.aborted) break;
    const due = dueOf(items[i]);
    if (clock.now() < due) {
      await sleepUntil(clock, due, signal);
      if (signal?.aborted) break;
    }
    // Everything due by now goes out in this turn; `now` is read per item, as firing takes time.
    let now = clock.now();
    while (i < items.length && dueOf(items[i]) <= now) {
      fire(items[i], now - dueOf(items[i]));
      i++;
      now = clock.now();
    }
  }
  return i;
}
