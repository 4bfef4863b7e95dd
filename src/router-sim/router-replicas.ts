/**
 * R router replicas behind a front spreader, as Dynamo runs several router replicas and llm-d several
 * EPP pods: each replica is a RouterCore with its own in-flight view (the load it routed itself) and
 * its own policy state (round-robin cursor, kv-approx index); KV events and worker resets reach every
 * replica. The spreader hands each request to the next replica in turn (`round-robin`) or to a seeded
 * random one (`random`). `sync` shares in-flight load between replicas, as Dynamo's
 * `--router-replica-sync` does: every replica tracks every request (so with sync, kv replicas decide as
 * one router would). One replica is exactly one RouterCore (same seed, same calls).
 *
 * Approximation: a speculative prefill's blocks (`recordCached`) are told to every replica. Pure: no
 * clocks, timers or I/O.
 */
import { createRng, type Rng } from '../core/rng.ts';
import { RouterCore, type RouterCoreOptions, type RoutedRequest } from './router-core.ts';
import type { ApplyResult, KvEventLike } from './kv-event-apply.ts';

import { REPLICA_SPREADS, type ReplicaSpread } from './types.ts';

export { REPLICA_SPREADS, type ReplicaSpread };

export interface RouterReplicasOptions {
  /** Replicas (≥ 1). */
  replicas: number;
  /** How the front spreads requests over replicas (default round-robin). */
  spread?: ReplicaSpread;
  /** Share in-flight load between replicas (default false). */
  sync?: boolean;
}

export class RouterReplicas {
  readonly cores: RouterCore[];
  private readonly owner = new Map<string, number>();
  private next = 0;
  private readonly rng: Rng;
  private readonly sync: boolean;
  private readonly spread: ReplicaSpread;

  constructor(core: RouterCoreOptions, opts: RouterReplicasOptions) {
    const r = opts.replicas;
    if (!Number.isInteger(r) || r < 1) throw new RangeError(`router replicas must be an integer ≥ 1, got ${r}`);
    const spread = opts.spread ?? 'round-robin';
    if (!(REPLICA_SPREADS as readonly string[]).includes(spread)) throw new RangeError(`router replica spread must be one of ${REPLICA_SPREADS.join(', ')}, got ${String(spread)}`);
    this.spread = spread;
    this.sync = opts.sync ?? false;
    this.cores = Array.from({ length: r }, (_, i) => new RouterCore(i === 0 ? core : { ...core, seed: `${core.seed}/replica-${i}` }));
    this.rng = createRng(core.seed).fork('replica-spread');
  }

  get size(): number {
    return this.cores.length;
  }

  // What a driver reads of "the router" (the HTTP proxy's worker pool, /health, metrics): worker
  // up/down state is the worker pool's, one for all replicas; the index is fed the same events in each.

  /** Worker names, in index order. */
  get names(): readonly string[] {
    return this.cores[0].names;
  }

  /** The options every replica was built with (replica i > 0 has its own seed). */
  get opts(): RouterCoreOptions {
    return this.cores[0].opts;
  }

  isUp(worker: number): boolean {
    return this.cores[0].isUp(worker);
  }

  setUp(worker: number, up: boolean): void {
    for (const c of this.cores) c.setUp(worker, up);
  }

  liveCount(): number {
    return this.cores[0].liveCount();
  }

  /** Blocks in the first replica's index (the others hold the same event-fed entries). */
  indexSize(): number {
    return this.cores[0].indexSize();
  }

  /** Requests routed and not finished, over all replicas. */
  get inFlight(): number {
    return this.owner.size;
  }

  /** The policy keeps an index of its own that a speculative prefill should be told about (kv-approx). */
  get learnsRoutedBlocks(): boolean {
    return this.cores[0].policy.recordCached !== undefined;
  }

  /** The replica the front hands the next request to. */
  private pick(): number {
    const n = this.cores.length;
    if (n === 1) return 0;
    if (this.spread === 'random') return Math.floor(this.rng.next() * n);
    const i = this.next;
    this.next = (i + 1) % n;
    return i;
  }

  /** One replica decides; with sync every other replica tracks the request on the chosen worker too. */
  route(id: string, blockHashes: readonly number[], isl: number, nowMs: number): RoutedRequest & { replica: number } {
    const replica = this.pick();
    const routed = this.cores[replica].route(id, blockHashes, isl, nowMs);
    if (routed.decision.worker === null) return { ...routed, replica };
    this.owner.set(id, replica);
    if (this.sync) {
      for (let i = 0; i < this.cores.length; i++) {
        if (i !== replica) this.cores[i].tracker.add(id, routed.decision.worker, { blockHashes, isl, newTokens: routed.newTokens }, nowMs);
      }
    }
    return { ...routed, replica };
  }

  /**
   * The one replica that tracks request `id` when only one does (no sync), or null when every replica
   * does (sync) or none does. Called per token delivery: no array allocated, and with a single replica
   * no lookup either (its tracker ignores ids it does not know).
   */
  private owning(id: string): RouterCore | null {
    if (this.cores.length === 1) return this.cores[0];
    if (this.sync) return null;
    const o = this.owner.get(id);
    return o === undefined ? null : this.cores[o];
  }

  firstToken(id: string, nowMs: number): void {
    const c = this.owning(id);
    if (c !== null) c.firstToken(id, nowMs);
    else if (this.sync) for (const r of this.cores) r.firstToken(id, nowMs);
  }

  outputTokens(id: string, n: number): void {
    const c = this.owning(id);
    if (c !== null) c.outputTokens(id, n);
    else if (this.sync) for (const r of this.cores) r.outputTokens(id, n);
  }

  finish(id: string): void {
    const c = this.owning(id);
    if (c !== null) c.finish(id);
    else if (this.sync) for (const r of this.cores) r.finish(id);
    this.owner.delete(id);
  }

  recordCached(worker: number, blockHashes: readonly number[], nowMs: number): void {
    for (const c of this.cores) c.recordCached(worker, blockHashes, nowMs);
  }

  applyEvents(worker: number, events: Iterable<KvEventLike>): ApplyResult {
    if (this.cores.length === 1) return this.cores[0].applyEvents(worker, events);
    const list = [...events];
    let out: ApplyResult = { applied: 0, skipped: 0 };
    for (const c of this.cores) out = c.applyEvents(worker, list);
    return out;
  }

  resetWorker(worker: number): void {
    for (const c of this.cores) c.resetWorker(worker);
  }
}
