/**
 * The router's own accounting of in-flight requests per worker: the load terms of the kv cost.
 * On route a request adds its prompt blocks and its uncached prompt tokens (prefill work) to the
 * worker; at its first token the prefill is done (its prefill tokens move off); generated tokens grow
 * its blocks; at stream end or abort everything is freed.
 *
 * Blocks are counted two ways: `activeBlocks` sums every request's blocks, `activeDecodeBlocks` counts a
 * prompt block shared by several in-flight requests once, which is what Dynamo's decode term uses.
 * Block hashes are chained (core/block-hash: a block's hash stands for its whole prefix), so the blocks
 * a prompt shares with the worker's other in-flight prompts are exactly its first k blocks, k being
 * its longest common prefix with any of them, and only prompts that begin with the same block can
 * share anything. So the tracker groups a worker's in-flight requests by their first block and
 * compares hash arrays (sequential reads) instead of keeping a table entry per block: a request's
 * distinct blocks are its length minus that k when it arrives, and likewise when it leaves. In a
 * trace replay in-flight prompts on one worker share almost nothing (2,208 of 954,643 blocks in the
 * Mooncake trace), so a per-block reference count inserted and deleted a million table entries per
 * replay for no sharing. A group also keeps how many leading blocks all its members share (a system
 * prompt): a prompt is compared with one member over that part and with each member only beyond it,
 * so many in-flight prompts behind one long common prefix cost that prefix once, not once per member.
 * Hashes must be chained: unrelated lists that share blocks at other positions would be miscounted.
 * Approximation: generated tokens are counted as the driver reports them (one per SSE chunk for the
 * mocker; real backends may batch). Pure: `nowMs` is passed in.
 */

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
  /** Distinct full prompt blocks of the in-flight requests. */
  distinctBlocks: number;
}

/** In-flight requests of one worker whose prompts begin with the same block. */
interface PrefixGroup {
  worker: number;
  members: TrackedRequest[];
  /** Leading blocks every member's prompt has and shares with every other (a lower bound is fine). */
  common: number;
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
  /**
   * In-flight requests with at least one prompt block, by their first block's hash: that block's
   * groups, one per worker holding any. One map for all workers, and the last lookup kept, so a
   * decision asking every worker's active overlap for the same prompt looks its first block up once.
   */
  private readonly byFirst = new Map<number, PrefixGroup[]>();
  private lastFirst = NaN;
  private lastGroups: PrefixGroup[] | undefined = undefined;

  constructor(
    readonly numWorkers: number,
    readonly blockSize: number,
  ) {
    this.loads = Array.from({ length: numWorkers }, () => ({ inFlight: 0, prefillTokens: 0, sumBlocks: 0, extraBlocks: 0, distinctBlocks: 0 }));
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
    const hs = t.blockHashes;
    if (hs.length === 0) return;
    let groups = this.groupsOf(hs[0]);
    if (groups === undefined) {
      groups = [];
      this.byFirst.set(hs[0], groups);
      this.lastFirst = NaN;
    }
    const group = groupOf(groups, worker);
    if (group === undefined) {
      groups.push({ worker, members: [t], common: hs.length });
      load.distinctBlocks += hs.length;
      return;
    }
    load.distinctBlocks += hs.length - longestShared(group, hs);
    // All members now share what they shared with the first one, up to where the new prompt leaves it.
    group.common = commonPrefix(group.members[0].blockHashes, hs, 0, group.common);
    group.members.push(t);
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
    const hs = t.blockHashes;
    if (hs.length === 0) return t;
    const groups = this.groupsOf(hs[0])!;
    const group = groupOf(groups, t.worker)!;
    const members = group.members;
    members[members.indexOf(t)] = members[members.length - 1];
    members.pop();
    if (members.length === 0) {
      groups[groups.indexOf(group)] = groups[groups.length - 1];
      groups.pop();
      if (groups.length === 0) {
        this.byFirst.delete(hs[0]);
        this.lastFirst = NaN;
      }
      load.distinctBlocks -= hs.length;
      return t;
    }
    load.distinctBlocks -= hs.length - longestShared(group, hs);
    // The members left may share more than before: extend the common part past the old one.
    const first = members[0].blockHashes;
    let common = first.length;
    for (let m = 1; m < members.length; m++) common = commonPrefix(first, members[m].blockHashes, group.common, common);
    group.common = common;
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
    out.activeDecodeBlocks = l.distinctBlocks + l.extraBlocks;
    return out;
  }

  /** Leading blocks of `hashes` already held by the worker's in-flight requests. */
  activeOverlap(worker: number, hashes: readonly number[]): number {
    if (hashes.length === 0) return 0;
    const groups = this.groupsOf(hashes[0]);
    const group = groups === undefined ? undefined : groupOf(groups, worker);
    return group === undefined ? 0 : longestShared(group, hashes);
  }

  /** The groups of prompts beginning with block `first` (the last lookup is kept). */
  private groupsOf(first: number): PrefixGroup[] | undefined {
    if (first !== this.lastFirst) {
      this.lastFirst = first;
      this.lastGroups = this.byFirst.get(first);
    }
    return this.lastGroups;
  }

  private blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockSize);
  }
}

/** Worker `worker`'s group among a first block's groups (a block is rarely in flight on many workers). */
function groupOf(groups: readonly PrefixGroup[], worker: number): PrefixGroup | undefined {
  for (let i = 0; i < groups.length; i++) if (groups[i].worker === worker) return groups[i];
  return undefined;
}

/**
 * The longest common prefix of `hashes` with any member of `group` (blocks): compared with the first
 * member over the part all members share, then with each member only beyond it.
 */
function longestShared(group: PrefixGroup, hashes: readonly number[]): number {
  const members = group.members;
  const c = group.common;
  const lead = commonPrefix(members[0].blockHashes, hashes, 0, c);
  if (lead < c || lead === hashes.length) return lead;
  let best = lead;
  for (let m = 0; m < members.length && best < hashes.length; m++) best = Math.max(best, commonPrefix(members[m].blockHashes, hashes, c, hashes.length));
  return best;
}

/** Where `a` and `b` first differ, comparing from `from` (they agree before it) and at most up to `limit`. */
function commonPrefix(a: readonly number[], b: readonly number[], from: number, limit: number): number {
  const n = Math.min(a.length, b.length, limit);
  let i = from;
  if (a === b) return Math.max(i, n);
  while (i < n && a[i] === b[i]) i++;
  return i;
}
