/**
 * The waiting queue of vLLM's `priority` scheduling policy: a binary min-heap ordered by
 * (priority, arrival, order) — lower priority values first, then earlier arrivals (vLLM's
 * PriorityRequestQueue, vllm/v1/core/sched/request_queue.py: requests compare by (priority,
 * arrival_time)), then the order the engine received them. A preempted request goes back by its key
 * too (vLLM's prepend_request under this policy is an ordinary add), so "front" and "back" are the
 * same insertion here. It has the Deque's methods the scheduler uses, so the engine holds either.
 * `at(i)` walks the heap's array (any order: invariant checks only).
 */
import type { Deque } from './deque.ts';

/** What the scheduler needs of its waiting queue (the FCFS Deque or this heap). */
export type WaitingQueue<T> = Pick<Deque<T>, 'length' | 'at' | 'peekFront' | 'pushBack' | 'pushFront' | 'popFront' | 'remove'>;

/** The ordering key of a waiting request. */
export interface PriorityKeyed {
  /** Lower first. */
  readonly priority: number;
  /** Arrival in ms, shifted earlier by a latency-sensitivity hint; earlier first. */
  readonly arrivalKey: number;
  /** The engine's count of added requests when this one was added; earlier first. */
  readonly order: number;
}

function before(a: PriorityKeyed, b: PriorityKeyed): boolean {
  if (a.priority !== b.priority) return a.priority < b.priority;
  if (a.arrivalKey !== b.arrivalKey) return a.arrivalKey < b.arrivalKey;
  return a.order < b.order;
}

/** True when `a` outranks `b` as a preemption victim: the larger (priority, arrival, order). */
export function laterInPriority(a: PriorityKeyed, b: PriorityKeyed): boolean {
  return before(b, a);
}

export class PriorityWaiting<T extends PriorityKeyed> implements WaitingQueue<T> {
  private readonly heap: T[] = [];

  get length(): number {
    return this.heap.length;
  }

  at(i: number): T | undefined {
    return this.heap[i];
  }

  peekFront(): T | undefined {
    return this.heap[0];
  }

  pushBack(item: T): void {
    this.heap.push(item);
    this.up(this.heap.length - 1);
  }

  /** Preempted requests go back by their key too. */
  pushFront(item: T): void {
    this.pushBack(item);
  }

  popFront(): T | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      this.down(0);
    }
    return top;
  }

  remove(item: T): boolean {
    const h = this.heap;
    const i = h.indexOf(item);
    if (i < 0) return false;
    const last = h.pop()!;
    if (i < h.length) {
      h[i] = last;
      this.down(i);
      this.up(i);
    }
    return true;
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) return;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l], h[m])) m = l;
      if (r < h.length && before(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}
