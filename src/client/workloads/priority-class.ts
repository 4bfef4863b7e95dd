/**
 * A priority class over any workload (`priorityShare` P): round(P · N) of its N conversations — its
 * users — drawn with the workload's seed are the priority class: every turn of theirs carries vLLM's
 * request `priority` −1 (lower is scheduled first; the others send none, vLLM's default 0), and every
 * conversation is tagged `priorityClass: priority | standard`, so each record says its class and the
 * summary gives TTFT per class (core/summary.ts). Only an engine under the `priority` scheduling
 * policy acts on it (vLLM itself refuses a priority ≠ 0 under fcfs; kvlab's mocker ignores it, so one
 * workload compares both policies). Pure: same workload, share and seed → same classes.
 */
import { PRIORITY_CLASS_TAG } from '../../core/records.ts';
import { createRng } from '../../core/rng.ts';
import { invalid } from '../../core/schema.ts';
import type { Workload } from './types.ts';

export { PRIORITY_CLASS_TAG };
export const PRIORITY_CLASSES = ['priority', 'standard'] as const;
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];
/** The `priority` the priority class sends (vLLM: lower first, default 0). */
export const PRIORITY_CLASS_VALUE = -1;

/** The workload with round(share · conversations) of its conversations in the priority class. */
export function markPriorityClass(w: Workload, share: number, seed: number | string): Workload {
  if (typeof share !== 'number' || !(share >= 0 && share <= 1)) invalid('priorityShare', `must be a number in [0, 1], got ${JSON.stringify(share)}`);
  const n = w.scripts.length;
  const chosen = new Set<number>();
  // A seeded partial Fisher–Yates shuffle: the first k positions are the class.
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = createRng(seed).fork('priority-class');
  const k = Math.round(share * n);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.next() * (n - i));
    [order[i], order[j]] = [order[j], order[i]];
    chosen.add(order[i]);
  }
  const scripts = w.scripts.map((s, i) => {
    const cls: PriorityClass = chosen.has(i) ? 'priority' : 'standard';
    const tags = { ...s.tags, [PRIORITY_CLASS_TAG]: cls };
    if (cls === 'standard') return { ...s, tags };
    return { ...s, tags, turns: s.turns.map((t) => ({ ...t, extraBody: { ...t.extraBody, priority: PRIORITY_CLASS_VALUE } })) };
  });
  return { ...w, scripts, params: { ...w.params, priorityShare: share } };
}
