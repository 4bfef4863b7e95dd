/**
 * The router's decision core, shared by the HTTP proxy (real time) and the virtual cluster (virtual
 * time): worker up/down state, the KV indexer fed by events, the in-flight tracker, and the policy.
 * `route` builds the workers' views, asks the policy, and starts tracking the request on the chosen
 * worker. Pure: no clocks, timers or I/O; `nowMs` is passed in and randomness is a seeded Rng.
 *
 * Two seams for router science (docs/DESIGN.md "Ground truth and stale signals"):
 * - `exactCache`: overlaps and cache sizes read from the workers' true caches at decision time instead
 *   of the event-fed indexer (the capacity-aware oracle of the virtual cluster);
 * - `loadRefreshMs`: the load terms a policy sees are refreshed at the first decision after each tick
 *   of that period and frozen in between (a router that scrapes worker load periodically, as llm-d's
 *   EPP does every 50 ms); 0 = always current.
 */
import { createRng, type Rng } from '../core/rng.ts';
import { KvIndexer } from './indexer.ts';
import { KvEventApplier, type ApplyResult, type KvEventLike } from './kv-event-apply.ts';
import { createPolicy } from './policies/index.ts';
import { DEFAULT_TIER_CREDITS, type TierCredits } from './tier-index.ts';
import { InFlightTracker } from './tracker.ts';
import type { RouteDecision, RouterMode, RouterPolicy, WorkerView } from './types.ts';

export interface RouterCoreOptions {
  /** Worker names, in index order. */
  workerNames: readonly string[];
  mode: RouterMode;
  blockSize: number;
  overlapScoreWeight: number;
  temperature: number;
  routerTtlS: number;
  seed: number | string;
  maxApproxBlocks?: number;
  /** Distinct blocks the KV index is expected to hold (sizes its tables up front; they grow anyway). */
  expectedBlocks?: number;
  /** KV events come from in-memory kvlab engines hashing with core/block-hash (KvEventApplier `trustedHashes`). */
  trustedKvHashes?: boolean;
  /** Overlap credits of blocks in a worker's CPU / disk offload tier (default Dynamo's 0.75 / 0.25; tier-index.ts). */
  tierCredits?: TierCredits;
  /** The workers' true caches, read at decision time (replaces the indexer's overlaps and sizes). */
  exactCache?: ExactCacheView;
  /** Period of the load signal in ms (0 or absent: always current). */
  loadRefreshMs?: number;
}

/** What a router that knows every worker's cache exactly and without delay reads. */
export interface ExactCacheView {
  /** Leading blocks of `hashes` worker `w` caches now. */
  overlap(worker: number, hashes: readonly number[]): number;
  /** Blocks worker `w` caches now. */
  cachedBlocks(worker: number): number;
}

export interface RoutedRequest {
  decision: RouteDecision;
  /** Prompt tokens the chosen worker is expected to compute (isl − overlap·blockSize). */
  newTokens: number;
}

export class RouterCore {
  readonly indexer: KvIndexer;
  readonly events: KvEventApplier;
  readonly tracker: InFlightTracker;
  readonly policy: RouterPolicy;
  readonly names: readonly string[];
  private readonly up: boolean[];
  private readonly viewCache: WorkerView[];
  // The request being routed, read by the policy through overlapOf / activeOverlapOf (bound once, so
  // a decision allocates no closures).
  private routing: readonly number[] = [];
  private routingOverlaps: Uint32Array | Float64Array = new Uint32Array(0);
  /** The indexer's overlaps of the request being routed (one array reused by every decision). */
  private readonly overlapBuffer: Uint32Array;
  private readonly tierCredits: TierCredits;
  private readonly overlapOf = (w: number): number => this.routingOverlaps[w] ?? 0;
  private readonly activeOverlapOf = (w: number): number => this.tracker.activeOverlap(w, this.routing);
  private readonly rng: Rng;
  /** The load tick the views' load terms were last refreshed in (loadRefreshMs). */
  private loadTick = -1;

  constructor(readonly opts: RouterCoreOptions) {
    const n = opts.workerNames.length;
    if (n === 0) throw new RangeError('the router needs at least one worker');
    this.names = [...opts.workerNames];
    this.indexer = new KvIndexer(n, opts.expectedBlocks);
    this.events = new KvEventApplier(this.indexer, opts.blockSize, { trustedHashes: opts.trustedKvHashes });
    this.tracker = new InFlightTracker(n, opts.blockSize);
    this.overlapBuffer = new Uint32Array(n);
    this.policy = createPolicy(opts.mode, { numWorkers: n, blockSize: opts.blockSize, overlapScoreWeight: opts.overlapScoreWeight, temperature: opts.temperature, routerTtlS: opts.routerTtlS, maxApproxBlocks: opts.maxApproxBlocks });
    this.up = new Array<boolean>(n).fill(true);
    this.viewCache = this.names.map((name, index) => ({ index, name, up: true, inFlight: 0, activeBlocks: 0, activePrefillTokens: 0, activeDecodeBlocks: 0, cachedBlocks: 0 }));
    this.rng = createRng(opts.seed).fork('router');
    const refresh = opts.loadRefreshMs ?? 0;
    if (!(refresh >= 0) || !Number.isFinite(refresh)) throw new RangeError(`loadRefreshMs must be a finite number >= 0, got ${refresh}`);
    this.tierCredits = { ...DEFAULT_TIER_CREDITS, ...opts.tierCredits };
    for (const k of ['cpu', 'disk'] as const) {
      const v = this.tierCredits[k];
      if (!(v >= 0 && v <= 1)) throw new RangeError(`the ${k} tier credit must be a number in [0, 1], got ${String(v)}`);
    }
  }

  get numWorkers(): number {
    return this.names.length;
  }

  isUp(worker: number): boolean {
    return this.up[worker];
  }

  setUp(worker: number, up: boolean): void {
    this.up[worker] = up;
  }

  liveCount(): number {
    return this.up.filter(Boolean).length;
  }

  /** Blocks in the router's index: the policy's own (kv-approx) or the event-fed indexer's. */
  indexSize(): number {
    return this.policy.ownIndexSize ?? this.indexer.size;
  }

  /**
   * The workers as a policy sees them, refreshed in place: the same objects every call (no garbage per
   * routing decision), so read them before the next call.
   */
  views(nowMs?: number): readonly WorkerView[] {
    const views = this.viewCache;
    const refresh = this.opts.loadRefreshMs ?? 0;
    let fresh = true;
    if (refresh > 0 && nowMs !== undefined) {
      const tick = Math.floor(nowMs / refresh);
      fresh = tick !== this.loadTick;
      this.loadTick = tick;
    }
    const exact = this.opts.exactCache;
    for (let i = 0; i < views.length; i++) {
      const v = views[i];
      v.up = this.up[i];
      v.cachedBlocks = exact ? exact.cachedBlocks(i) : this.indexer.blocksOf(i);
      if (fresh) this.tracker.fillView(i, v);
    }
    return views;
  }

  /** Decide where request `id` goes and start tracking it there (unless no worker is live). */
  route(id: string, blockHashes: readonly number[], isl: number, nowMs: number): RoutedRequest {
    this.routing = blockHashes;
    this.routingOverlaps = this.opts.exactCache ? this.exactOverlaps(blockHashes) : this.indexer.overlaps(blockHashes, this.overlapBuffer);
    // Workers with offload tiers: overlap credited by the tier holding each block (tier-index.ts).
    const tiers = this.events.tiers;
    if (tiers.size > 0 && !this.opts.exactCache) this.routingOverlaps = tiers.creditedOverlaps(this.indexer, blockHashes, this.routingOverlaps as Uint32Array, this.tierCredits);
    const decision = this.policy.decide({ blockHashes, isl, workers: this.views(nowMs), overlap: this.overlapOf, activeOverlap: this.activeOverlapOf, nowMs, rng: this.rng });
    if (decision.worker === null) return { decision, newTokens: 0 };
    const newTokens = Math.max(0, Math.round(isl - decision.overlapBlocks * this.opts.blockSize));
    this.tracker.add(id, decision.worker, { blockHashes, isl, newTokens }, nowMs);
    return { decision, newTokens };
  }

  private exactOverlaps(blockHashes: readonly number[]): Uint32Array {
    const exact = this.opts.exactCache!;
    const out = new Uint32Array(this.names.length);
    for (let w = 0; w < out.length; w++) out[w] = exact.overlap(w, blockHashes);
    return out;
  }

  /** The router itself made `worker` cache these blocks (speculative prefill). */
  recordCached(worker: number, blockHashes: readonly number[], nowMs: number): void {
    this.policy.recordCached?.(worker, blockHashes, nowMs);
  }

  firstToken(id: string, nowMs: number): void {
    this.tracker.firstToken(id, nowMs);
  }

  outputTokens(id: string, n: number): void {
    this.tracker.addOutputTokens(id, n);
  }

  finish(id: string): void {
    this.tracker.finish(id);
  }

  applyEvents(worker: number, events: Iterable<KvEventLike>): ApplyResult {
    return this.events.apply(worker, events);
  }

  /** Forget a worker's cached blocks (sequence gap, reconnect, cache reset): the event-fed index's and the policy's own. */
  resetWorker(worker: number): void {
    this.events.resetWorker(worker);
    this.policy.forgetWorker?.(worker);
  }
}
