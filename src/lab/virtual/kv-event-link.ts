/**
 * The KV-event channel between each virtual worker and the router when signals are stale or lost
 * (`kvEventDelayMs`, `kvEventLoss`): it numbers every worker's event batches as vLLM's publisher
 * does (one sequence number per batch), drops a batch with probability `loss` (seeded, one stream
 * per worker), and on the router's side detects sequence gaps. A gap clears that worker's entries and
 * asks the worker for a snapshot of its cache (vLLM's replay socket and Dynamo's resync answer the
 * same need); batches that arrive while the snapshot travels are superseded by it and skipped.
 * A worker the router sent work to but has heard nothing from for longer than the router TTL is
 * distrusted (its entries cleared, as kv-approx's TTL forgets): with every event lost the router
 * degrades to load balancing instead of waiting for a gap it can never see.
 *
 * Approximations: the snapshot request reaches the worker at once and the snapshot travels with the
 * event delay, never lost (a reliable request/reply channel); it is the worker's cache at capture,
 * which may already hold the blocks of the step running then (their batch follows, harmless).
 * Pure bookkeeping: the virtual cluster schedules deliveries on its event queue.
 */
import type { Rng } from '../../core/rng.ts';

export interface KvLinkSettings {
  /** One-way delay of every batch and snapshot, ms (≥ 0). */
  delayMs: number;
  /** Probability that a batch is lost, in [0, 1]. */
  loss: number;
  /** Router TTL: silence after routed work beyond this distrusts the worker, ms. */
  ttlMs: number;
}

/** The link's counters (run.json `virtualStats.kvEvents`). */
export interface KvLinkStats {
  delayMs: number;
  loss: number;
  /** Batches the workers published. */
  published: number;
  /** Batches the link dropped. */
  lost: number;
  /** Batches applied to the router's index. */
  applied: number;
  /** Batches skipped because a snapshot in flight supersedes them. */
  superseded: number;
  /** Sequence gaps the router detected. */
  gaps: number;
  /** Snapshots the router asked for (at most one in flight per worker). */
  resyncs: number;
  /** Times a silent worker was distrusted (entries cleared: load balancing for it until it speaks). */
  silentResets: number;
}

/** What the router does with an arriving batch. */
export type Arrival = 'apply' | 'skip' | 'resync';

export class KvEventLink {
  readonly stats: KvLinkStats;
  /** Publisher side: the last sequence number each worker used. */
  private readonly published: Float64Array;
  /** Router side: the next sequence number expected per worker. */
  private readonly expected: Float64Array;
  private readonly resyncing: boolean[];
  /** Since when the router has routed work to the worker without hearing from it (NaN: heard since). */
  private readonly unheardSince: Float64Array;
  private readonly distrusted: boolean[];
  private readonly rngs: Rng[];

  constructor(
    numWorkers: number,
    readonly settings: KvLinkSettings,
    rng: Rng,
  ) {
    checkKvLinkSettings(settings);
    this.published = new Float64Array(numWorkers);
    this.expected = new Float64Array(numWorkers).fill(1);
    this.resyncing = new Array<boolean>(numWorkers).fill(false);
    this.unheardSince = new Float64Array(numWorkers).fill(NaN);
    this.distrusted = new Array<boolean>(numWorkers).fill(false);
    this.rngs = Array.from({ length: numWorkers }, (_, w) => rng.fork(`kv-loss/${w}`));
    this.stats = { delayMs: settings.delayMs, loss: settings.loss, published: 0, lost: 0, applied: 0, superseded: 0, gaps: 0, resyncs: 0, silentResets: 0 };
  }

  /** A worker publishes a batch: its sequence number, and whether the link loses it. */
  publish(worker: number): { seq: number; lost: boolean } {
    const seq = ++this.published[worker];
    this.stats.published++;
    const lost = this.settings.loss > 0 && this.rngs[worker].next() < this.settings.loss;
    if (lost) this.stats.lost++;
    return { seq, lost };
  }

  /** The last sequence number `worker` published (what a snapshot taken now covers). */
  publishedSeq(worker: number): number {
    return this.published[worker];
  }

  /** A batch arrives at the router. 'resync': a gap — clear the worker and send for a snapshot. */
  arrive(worker: number, seq: number): Arrival {
    this.heard(worker);
    if (this.resyncing[worker]) {
      this.stats.superseded++;
      return 'skip';
    }
    const gap = seq > this.expected[worker];
    this.expected[worker] = seq + 1;
    if (gap) {
      this.stats.gaps++;
      this.stats.resyncs++;
      this.resyncing[worker] = true;
      return 'resync';
    }
    this.stats.applied++;
    return 'apply';
  }

  /** The snapshot taken when the worker had published `seq` arrives: the stream continues after it. */
  snapshotArrived(worker: number, seq: number): void {
    this.heard(worker);
    this.resyncing[worker] = false;
    this.expected[worker] = seq + 1;
  }

  /** The router sent a request to `worker` at `nowMs`. */
  routed(worker: number, nowMs: number): void {
    if (Number.isNaN(this.unheardSince[worker])) this.unheardSince[worker] = nowMs;
  }

  /**
   * Workers to distrust now: routed to more than the TTL ago and silent since (each once per silence).
   * The caller clears their entries.
   */
  silentWorkers(nowMs: number): number[] {
    const out: number[] = [];
    for (let w = 0; w < this.unheardSince.length; w++) {
      if (this.distrusted[w] || !(nowMs - this.unheardSince[w] > this.settings.ttlMs)) continue;
      this.distrusted[w] = true;
      this.stats.silentResets++;
      out.push(w);
    }
    return out;
  }

  private heard(worker: number): void {
    this.unheardSince[worker] = NaN;
    this.distrusted[worker] = false;
  }
}

/** Throws a RangeError naming the bad setting (negative delay, loss outside [0, 1]). */
export function checkKvLinkSettings(s: Pick<KvLinkSettings, 'delayMs' | 'loss'>): void {
  if (!(s.delayMs >= 0) || !Number.isFinite(s.delayMs)) throw new RangeError(`kvEventDelayMs must be a finite number ≥ 0, got ${s.delayMs}`);
  if (!(s.loss >= 0 && s.loss <= 1)) throw new RangeError(`kvEventLoss must be in [0, 1], got ${s.loss}`);
}
