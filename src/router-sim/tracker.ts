/**
 * The router's own accounting of in-flight requests per worker: the load terms of the kv cost.
 * On route a request adds its prompt blocks and its uncached prompt tokens (prefill work) to the
 * worker; at its first token the prefill is done (its prefill tokens move off); generated tokens grow
 * its blocks; at stream end or abort everything is freed.
 *
 * Blocks are counted two ways: `activeBlocks` sums every request's blocks, `activeDecodeBlocks` counts a
 * prompt block shared by several in-flight requests once (a reference-counted set per worker), which is
 * what Dynamo's decode term uses (a typed hash table of refcounts, core/hash-index). Approximation: generated tokens are counted as the driver reports
 * them (one per SSE chunk for the mocker; real backends may batch). Pure: `nowMs` is passed in.
 */
import { HashIndex } from '../core/hash-index.ts';

export interface TrackedRequest {
  worker: number;
  blockHashes: readonly number[];
  isl: number;
  /** Uncached prompt tokens still to be prefilled (0 once the first token arrived). */
  prefillTokens: number;
  outputTokens: number;
  /** Blocks this request counts beyond its full prompt blocks (partial prompt block + generated). */
  extraBlocks: number;
  routedAtMs: number;
  firstTokenAtMs: number | null;
}

interface WorkerLoad {
  inFlight: number;
  prefillTokens: number;
  sumBlocks: number;
  extraBlocks: number;
  refs: HashIndex;
}

export interface WorkerLoadView {
  inFlight: number;
  activeBlocks: number;
  activePrefillTokens: number;
  activeDecodeBlocks: number;
}

export class InFlightTracker {
  private readonly loads: WorkerLoad[];
  private readonly requests = new Map<string, TrackedRequest>();

  constructor(
    readonly numWorkers: number,
    readonly blockSize: number,
  ) {
    this.loads = Array.from({ length: numWorkers }, () => ({ inFlight: 0, prefillTokens: 0, sumBlocks: 0, extraBlocks: 0, refs: new HashIndex(1024) }));
  }

  get size(): number {
    return this.requests.size;
  }

  get(id: string): TrackedRequest | undefined {
    return this.requests.get(id);
  }

  /** A request was routed to `worker`; `newTokens` = its prompt tokens the worker is expected to compute. */
  add(id: string, worker: number, req: { blockHashes: readonly number[]; isl: number; newTokens: number }, nowMs: number): void {
    if (this.requests.has(id)) throw new Error(`request ${id} is already tracked`);
    const load = this.loads[worker];
    if (!load) throw new RangeError(`worker index ${worker} out of range [0, ${this.numWorkers})`);
    const extra = this.blocksFor(req.isl) - req.blockHashes.length;
    const t: TrackedRequest = {
      worker,
      blockHashes: req.blockHashes,
      isl: req.isl,
      prefillTokens: Math.max(0, req.newTokens),
      outputTokens: 0,
      extraBlocks: Math.max(0, extra),
      routedAtMs: nowMs,
      firstTokenAtMs: null,
    };
    this.requests.set(id, t);
    load.inFlight++;
    load.prefillTokens += t.prefillTokens;
    load.sumBlocks += t.blockHashes.length + t.extraBlocks;
    load.extraBlocks += t.extraBlocks;
    load.refs.addToEach(t.blockHashes, 1);
  }

  /** The first token arrived: the request's prefill is done. No-op after the first call. */
  firstToken(id: string, nowMs: number): void {
    const t = this.requests.get(id);
    if (!t || t.firstTokenAtMs !== null) return;
    t.firstTokenAtMs = nowMs;
    this.loads[t.worker].prefillTokens -= t.prefillTokens;
    t.prefillTokens = 0;
  }

  /** `n` more tokens were generated: the request's blocks grow when they fill a new block. */
  addOutputTokens(id: string, n: number): void {
    const t = this.requests.get(id);
    if (!t || n <= 0) return;
    const before = this.blocksFor(t.isl + t.outputTokens);
    t.outputTokens += n;
    const grown = this.blocksFor(t.isl + t.outputTokens) - before;
    if (grown > 0) {
      const load = this.loads[t.worker];
      t.extraBlocks += grown;
      load.extraBlocks += grown;
      load.sumBlocks += grown;
    }
  }

  /** Stream ended or was aborted: free everything. Returns the request, or undefined if unknown. */
  finish(id: string): TrackedRequest | undefined {
    const t = this.requests.get(id);
    if (!t) return undefined;
    this.requests.delete(id);
    const load = this.loads[t.worker];
    load.inFlight--;
    load.prefillTokens -= t.prefillTokens;
    load.sumBlocks -= t.blockHashes.length + t.extraBlocks;
    load.extraBlocks -= t.extraBlocks;
    load.refs.addToEach(t.blockHashes, -1);
    return t;
  }

  /** Drop requests routed before `beforeMs` (a leak guard for streams that never ended). Returns their ids. */
  expire(beforeMs: number): string[] {
    const gone: string[] = [];
    for (const [id, t] of this.requests) if (t.routedAtMs < beforeMs) gone.push(id);
    for (const id of gone) this.finish(id);
    return gone;
  }

  view(worker: number): WorkerLoadView {
    return this.fillView(worker, { inFlight: 0, activeBlocks: 0, activePrefillTokens: 0, activeDecodeBlocks: 0 });
  }

  /** Write the worker's load into `out` (no allocation) and return it. */
  fillView<V extends WorkerLoadView>(worker: number, out: V): V {
    const l = this.loads[worker];
    out.inFlight = l.inFlight;
    out.activeBlocks = l.sumBlocks;
    out.activePrefillTokens = l.prefillTokens;
    out.activeDecodeBlocks = l.refs.size + l.extraBlocks;
    return out;
  }

  /** Leading blocks of `hashes` already held by the worker's in-flight requests. */
  activeOverlap(worker: number, hashes: readonly number[]): number {
    const refs = this.loads[worker].refs;
    let i = 0;
    while (i < hashes.length && refs.has(hashes[i])) i++;
    return i;
  }

  private blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockSize);
  }
}
