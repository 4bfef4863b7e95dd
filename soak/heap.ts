/**
 * Heap after garbage collection, for the soak's leak check. `gc` is exposed at run time
 * (v8.setFlagsFromString + a fresh vm context), so the soak needs no `--expose-gc` flag; two full
 * collections settle weak references and finalizers before `heapUsed` is read.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface HeapSample {
  /** Seconds since the load started. */
  atS: number;
  /** heapUsed after GC, bytes. */
  heapBytes: number;
  /** Requests answered so far. */
  requests: number;
}

let gc: (() => void) | null = null;

function collector(): () => void {
  if (gc) return gc;
  const global = (globalThis as { gc?: () => void }).gc;
  if (typeof global === 'function') gc = global;
  else {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  return gc;
}

/** heapUsed (bytes) after two full collections. */
export function heapAfterGc(): number {
  const run = collector();
  run();
  run();
  return process.memoryUsage().heapUsed;
}

/** Relative growth of `after` over `before` (0.05 = 5 %). */
export function growth(before: number, after: number): number {
  return (after - before) / before;
}
