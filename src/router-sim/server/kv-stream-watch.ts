/**
 * How long the router may trust a worker's KV-event stream without hearing from it (kv mode).
 *
 * The subscriber already clears a worker's index entries when its stream has a sequence gap (lost
 * batches) or disconnects (the worker or its publisher restarted). What it cannot see is a stream that
 * went silent: every batch lost and none arriving to reveal the gap. A worker's cache only changes when
 * it serves requests, so this watch asks: a request that finished on worker w must have stored new
 * blocks (its full blocks outnumber the overlap it was routed on); did any batch from w arrive since
 * that request was routed? If none has `ttlMs` after the request finished, w's stream is declared
 * broken and its entries are cleared (`stale` returns w) before the next routing decision. So the
 * router never routes on entries a worker no longer has for longer than the TTL after that worker last
 * changed its cache through this router.
 *
 * Approximation: a worker driven by other clients too (not through this router) can change its cache
 * unseen while its stream is silent. Pure: times are passed in, no clock or timer.
 */

interface Pending {
  worker: number;
  routedAtMs: number;
}

export class KvStreamWatch {
  private readonly lastBatchMs: (number | null)[];
  /** Per worker: the finish time of the oldest request whose stores no batch has confirmed yet. */
  private readonly waitingSinceMs: (number | null)[];
  private readonly inFlight = new Map<string, Pending>();

  constructor(
    numWorkers: number,
    readonly ttlMs: number,
  ) {
    this.lastBatchMs = new Array<number | null>(numWorkers).fill(null);
    this.waitingSinceMs = new Array<number | null>(numWorkers).fill(null);
  }

  /** A batch of events from `worker` arrived: its stream is alive. */
  batch(worker: number, nowMs: number): void {
    this.lastBatchMs[worker] = nowMs;
    this.waitingSinceMs[worker] = null;
  }

  /** Request `id` was routed to `worker`. */
  routed(id: string, worker: number, nowMs: number): void {
    this.inFlight.set(id, { worker, routedAtMs: nowMs });
  }

  /**
   * Request `id` ended. `storedNewBlocks`: it completed and its full blocks (prompt plus answer)
   * outnumber the overlap it was routed on, so its worker must have published BlockStored.
   */
  finished(id: string, storedNewBlocks: boolean, nowMs: number): void {
    const p = this.inFlight.get(id);
    if (!p) return;
    this.inFlight.delete(id);
    if (!storedNewBlocks) return;
    const last = this.lastBatchMs[p.worker];
    if (last !== null && last >= p.routedAtMs) return; // its batch (or a later one) already arrived
    if (this.waitingSinceMs[p.worker] === null) this.waitingSinceMs[p.worker] = nowMs;
  }

  /** Workers whose stream has been silent for longer than the TTL after a request stored blocks; each is reported once. */
  stale(nowMs: number): number[] {
    const out: number[] = [];
    this.waitingSinceMs.forEach((since, w) => {
      if (since !== null && nowMs - since > this.ttlMs) {
        this.waitingSinceMs[w] = null;
        out.push(w);
      }
    });
    return out;
  }
}

/**
 * Did a finished request make its worker store new full blocks? Its KV covers the prompt and every
 * answer token but the last (which is emitted, never fed back), in blocks of `blockSize`.
 */
export function storedNewBlocks(promptTokens: number, outputTokens: number, overlapBlocks: number, blockSize: number): boolean {
  const full = Math.floor((promptTokens + Math.max(0, outputTokens - 1)) / blockSize);
  return full > overlapBlocks;
}
