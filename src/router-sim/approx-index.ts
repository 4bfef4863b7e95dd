/**
 * The kv-approx index: without KV events, the router assumes a worker caches the blocks of every
 * request it routed there, for `ttlMs` after the last time it routed them (re-routing refreshes the
 * TTL), and keeps at most `maxBlocks` (worker, block) entries, dropping the oldest first — and within
 * one recorded prompt its tail first, so what is left of a chain stays a reachable prefix (a
 * request's overlap is its run of leading blocks; a dropped root would strand its tail). This mirrors
 * Dynamo's approximate mode (`--no-kv-events`, `router-ttl`). It wraps a KvIndexer for overlap queries.
 *
 * Approximation: real eviction depends on the worker's memory pressure; a TTL and a size bound are the
 * router's guess. Pure: `nowMs` is passed in.
 */
import { HashIndex } from '../core/hash-index.ts';
import { KvIndexer } from './indexer.ts';

export interface ApproxIndexOptions {
  numWorkers: number;
  ttlMs: number;
  /** Bound on (worker, block) entries; oldest dropped first. */
  maxBlocks: number;
}

export class ApproxIndex {
  readonly indexer: KvIndexer;
  /** Per worker: block hash → when its entry expires (a typed table: 53-bit keys). */
  private readonly expiry: HashIndex[];
  // FIFO of (expiresAt, worker, hash) in insertion order = expiry order (constant TTL); each record's
  // blocks are queued tail first. Entries made stale by a refresh are skipped when they reach the head.
  private qExp: number[] = [];
  private qWorker: number[] = [];
  private qHash: number[] = [];
  private head = 0;
  private entries = 0;

  constructor(readonly opts: ApproxIndexOptions) {
    if (!(opts.ttlMs > 0)) throw new RangeError(`ttlMs must be > 0, got ${opts.ttlMs}`);
    if (!Number.isInteger(opts.maxBlocks) || opts.maxBlocks <= 0) throw new RangeError(`maxBlocks must be a positive integer, got ${opts.maxBlocks}`);
    this.indexer = new KvIndexer(opts.numWorkers);
    this.expiry = Array.from({ length: opts.numWorkers }, () => new HashIndex(1024));
  }

  /** (worker, block) entries currently held. */
  get size(): number {
    return this.entries;
  }

  /** Drop entries whose TTL passed at `nowMs`. */
  expire(nowMs: number): void {
    while (this.head < this.qExp.length && this.qExp[this.head] <= nowMs) this.popHead();
    this.compact();
  }

  /** Record that `worker` now caches `hashes` (until nowMs + ttl). */
  record(worker: number, hashes: readonly number[], nowMs: number): void {
    const exp = nowMs + this.opts.ttlMs;
    const m = this.expiry[worker];
    for (let i = hashes.length - 1; i >= 0; i--) {
      const h = hashes[i];
      if (m.putIfAbsent(h, exp) < 0) this.entries++;
      else m.set(h, exp);
      this.qExp.push(exp);
      this.qWorker.push(worker);
      this.qHash.push(h);
    }
    this.indexer.store(worker, hashes);
    while (this.entries > this.opts.maxBlocks && this.head < this.qExp.length) this.popHead();
    this.compact();
  }

  clearWorker(worker: number): void {
    this.entries -= this.expiry[worker].size;
    this.expiry[worker].clear();
    this.indexer.clearWorker(worker);
  }

  private popHead(): void {
    const i = this.head++;
    const w = this.qWorker[i];
    const h = this.qHash[i];
    const m = this.expiry[w];
    if (m.get(h) !== this.qExp[i]) return; // refreshed later (or already gone): a newer entry owns it
    m.delete(h);
    this.entries--;
    this.indexer.remove(w, [h]);
  }

  private compact(): void {
    if (this.head > 4096 && this.head * 2 > this.qExp.length) {
      this.qExp = this.qExp.slice(this.head);
      this.qWorker = this.qWorker.slice(this.head);
      this.qHash = this.qHash.slice(this.head);
      this.head = 0;
    }
  }
}
