/**
 * The mock engine: a vLLM-like continuous-batching scheduler over a KV block pool, as the Dynamo mocker
 * simulates it. Pure and clock-free: `step(nowMs)` runs one engine iteration and returns what happened
 * (tokens emitted at the step's end, KV events, preemptions); drivers decide when to call it.
 *
 * One step (FCFS; the priority policy changes only the order, see below):
 *  1. Running requests in admission order share a token budget (max-num-batched-tokens): one in prefill
 *     gets a chunk (all of its remaining prefill when chunked prefill is off, if it fits or runs alone);
 *     one in decode gets 1 token and a new block when it crosses a block boundary. When no block can be
 *     had, the newest running request is preempted (blocks released, back to the FRONT of the waiting
 *     queue, recomputed from scratch later) until one frees up or the request preempts itself.
 *  2. If nothing was preempted, waiting requests are admitted in order while seats, budget and blocks
 *     (keeping `watermark` of the pool free) last; the head blocks the rest (strict FCFS). Admission looks
 *     up the leading full blocks in the prefix cache (see below). Blocks for all known tokens are taken
 *     at admission.
 *  3. Duration: the timing model (timing/) gets the step's batch — per scheduled request its new tokens
 *     and the tokens already in its context, cached prefix included — and returns a prefill and a decode
 *     part; duration = prefillMs/speedup + decodeMs/(speedup·decodeSpeedup).
 *     A request whose computed tokens reach its known tokens emits its next output token at the end.
 * Blocks get their chained hash (BlockStored) when their tokens are computed. As in vLLM, the last
 * output token's KV is never computed (it is emitted, not fed back), so a follow-up prompt of prompt +
 * answer hits every full block of it but one completed only by that last token. Finished requests
 * release blocks tail-first, so the LRU evicts a conversation's tail before its shared prefix.
 * Prefix hits, as vLLM v1 counts them: whole cached blocks within the first n − 1 tokens of an n-token
 * prompt (`cached = floor((n − 1) / blockSize) · blockSize` when all of them are cached) — the last
 * token is always computed, and for a block-aligned prompt its whole last block is recomputed.
 *
 * Offload tiers (EngineConfig.kvCpuBlocks, offload-tiers.ts): a cached block the pool evicts is offloaded
 * to the CPU tier (and on down to disk). Admission's prefix lookup goes on past GPU misses into the
 * tiers: a block found there is taken out, loaded into a fresh GPU block over that tier's shared link,
 * and counts as cached; the request is admitted but sits out of every step until its loads (and those
 * of loaded GPU blocks it shares) are done, while the others run. A step with nothing to run but loads
 * in flight is a wait: it ends when the next transfer completes. Without tiers nothing of this runs.
 *
 * Scheduling policy (EngineConfig.schedulingPolicy, vLLM's): `fcfs` as above; `priority` keeps the
 * waiting queue ordered by (priority, arrival) (waiting-queue.ts; a preempted request goes back by
 * its key, not to the front) and preempts the running request with the largest (priority, arrival)
 * — vLLM v1's `max(self.running, key=lambda r: (r.priority, r.arrival_time))` — taking it back out
 * of the step if it was already scheduled. Like vLLM v1, a waiting request never preempts a running
 * one: priorities act at admission and when blocks run out.
 *
 * Disaggregated prefill/decode (EngineConfig.disaggregationMode, kv-transfer.ts): a `remotePrefill`
 * request on a decode worker is admitted like any other (local prefix hits included), but at its first
 * admission the rest of its prompt's KV is pulled over the transfer link instead of computed: it sits
 * out like a tier load until the transfer is done, then computes only its last prompt token, which
 * yields its first output token (vLLM's NixlConnector recomputes that one token too). A preempted one
 * recomputes locally, as vLLM's does. A `remoteDecode` request on a prefill worker runs as usual and
 * reports the block ids that held its KV when it finishes.
 *
 * Approximations: no lookahead slots, no swapping (preemption is always recompute), and
 * activeKvTokens for the decode curve is the referenced blocks × blockSize. Blocks for all of a
 * request's known tokens are taken at admission (vLLM takes them per scheduled chunk): under KV
 * pressure a long prompt waits until blocks for all of it are free, where vLLM would start its first
 * chunks — kvlab admits fewer long prompts then and preempts less.
 */
import { checkEngineConfig } from './config-schema.ts';
import { Deque } from './deque.ts';
import { KvPool } from './kv-pool.ts';
import { DEFAULT_KV_BYTES_PER_TOKEN, DEFAULT_KV_CPU_BANDWIDTH_GBPS, DEFAULT_KV_DISK_BANDWIDTH_GBPS, OffloadTiers, TIER_CPU, TIER_DISK, TIER_NONE } from './offload-tiers.ts';
import { DEFAULT_KV_TRANSFER_BANDWIDTH_GBPS, DEFAULT_KV_TRANSFER_LATENCY_MS, KvTransferLink, remoteRequestProblem } from './kv-transfer.ts';
import { DONE, RUNNING, Sequence, WAITING } from './sequence.ts';
import { laterInPriority, PriorityWaiting, type WaitingQueue } from './waiting-queue.ts';
import { DEFAULT_TIMING } from './timing/polynomial.ts';
import { emptyBatch, type StepBatch, type StepTime, type TimingModel } from './timing/types.ts';
import type { EngineConfig, EngineOptions, EngineRequest, EngineStats, KvEvent, RequestProgress, StepResult } from './types.ts';

const NOTHING: readonly never[] = Object.freeze([]);

/** Empty a list keeping its backing store (`length = 0` would drop it). */
function clear(list: unknown[]): void {
  while (list.length > 0) list.pop();
}

/** A scratch list's items as an exact-size copy (a shared empty one when none), leaving it empty. */
function takeAll<T>(scratch: T[]): readonly T[] {
  if (scratch.length === 0) return NOTHING;
  const out = scratch.slice();
  clear(scratch);
  return out;
}

/**
 * The engine's offload tiers, or null without a CPU tier. Transfers are simulated durations too, so the
 * speedup ratio divides them (as it divides steps): the links run speedupRatio× faster.
 */
function tiersOf(c: EngineConfig): OffloadTiers | null {
  if (!c.kvCpuBlocks) return null;
  return new OffloadTiers({
    cpuBlocks: c.kvCpuBlocks,
    diskBlocks: c.kvDiskBlocks ?? 0,
    cpuBandwidthGbps: (c.kvCpuBandwidthGbps ?? DEFAULT_KV_CPU_BANDWIDTH_GBPS) * c.speedupRatio,
    diskBandwidthGbps: (c.kvDiskBandwidthGbps ?? DEFAULT_KV_DISK_BANDWIDTH_GBPS) * c.speedupRatio,
    bytesPerBlock: (c.kvBytesPerToken ?? DEFAULT_KV_BYTES_PER_TOKEN) * c.blockSize,
    blockSize: c.blockSize,
  });
}

/** A decode worker's KV transfer link (null on other engines); like the tiers' links, sped up by the speedup ratio. */
function transferOf(c: EngineConfig): KvTransferLink | null {
  if (c.disaggregationMode !== 'decode') return null;
  return new KvTransferLink(
    (c.kvTransferBandwidthGbps ?? DEFAULT_KV_TRANSFER_BANDWIDTH_GBPS) * c.speedupRatio,
    (c.kvTransferLatencyMs ?? DEFAULT_KV_TRANSFER_LATENCY_MS) / c.speedupRatio,
    c.kvBytesPerToken ?? DEFAULT_KV_BYTES_PER_TOKEN,
  );
}

export class Engine {
  readonly config: Readonly<EngineConfig>;
  private readonly timing: TimingModel;
  private readonly pool: KvPool;
  private readonly bs: number;
  private readonly watermarkBlocks: number;
  private readonly byId = new Map<string, Sequence>();
  /** FCFS: a deque (preempted requests back at the front); priority: a heap by (priority, arrival). */
  private readonly waiting: WaitingQueue<Sequence>;
  private readonly byPriority: boolean;
  /** Requests added so far (each one's tie-break under the priority policy). */
  private addCount = 0;
  /** Running requests in admission order (oldest first). */
  private readonly running: Sequence[] = [];
  // Per-step scratch, reused to keep steps allocation-light (never `length = 0`: V8 then drops the
  // backing store and the next push allocates a new one).
  private readonly schedSeqs: (Sequence | null)[];
  private readonly schedChunks: Int32Array;
  /** The batch handed to the timing model (refilled every step) and its answer. */
  private readonly batch: StepBatch;
  private readonly stepTime: StepTime = { prefillMs: 0, decodeMs: 0 };
  private readonly stepEvents: KvEvent[] = [];
  private readonly stepProgress: RequestProgress[] = [];
  private readonly stepPreempted: string[] = [];
  /** EngineOptions.reuseStepResults: the one result object, its lists and progress entries. */
  private readonly reuse: boolean;
  private readonly result: StepResult;
  private readonly progressPool: RequestProgress[] = [];
  /** Non-idle steps run so far. */
  private stepCount = 0;
  private counters = { prefixQueries: 0, prefixHits: 0, promptTokens: 0, generationTokens: 0, preemptions: 0 };

  private readonly eventTokenIds: boolean;
  /** Offload tiers (null without them), the load in flight into each GPU block (−1: none), scratch. */
  private readonly tiers: OffloadTiers | null;
  private readonly blockLoad: Int32Array;
  private readonly lowerHits: number[] = [];
  /** The current step's start, for the transfers its evictions and loads start. */
  private nowMs = 0;
  private tierCounters = { cpuHitTokens: 0, diskHitTokens: 0 };
  /** A decode worker's KV transfer link (null otherwise). */
  private readonly transfer: KvTransferLink | null;

  constructor(config: EngineConfig, timing: TimingModel = DEFAULT_TIMING, opts: EngineOptions = {}) {
    checkEngineConfig(config);
    this.eventTokenIds = opts.eventTokenIds ?? true;
    this.reuse = opts.reuseStepResults ?? false;
    this.result = { startMs: 0, endMs: 0, prefillTokens: 0, decodeSeqs: 0, progress: this.stepProgress, preempted: this.stepPreempted, events: this.stepEvents, idle: false };
    this.config = Object.freeze({ ...config });
    this.byPriority = config.schedulingPolicy === 'priority';
    this.waiting = this.byPriority ? new PriorityWaiting<Sequence>() : new Deque<Sequence>(64);
    this.timing = timing;
    this.bs = config.blockSize;
    this.pool = new KvPool(config.numGpuBlocks, config.blockSize, config.enablePrefixCaching);
    this.watermarkBlocks = Math.floor(config.watermark * config.numGpuBlocks);
    this.schedChunks = new Int32Array(config.maxNumSeqs);
    this.schedSeqs = new Array<Sequence | null>(config.maxNumSeqs).fill(null);
    this.batch = emptyBatch(config.maxNumSeqs);
    this.batch.capacityTokens = config.numGpuBlocks * config.blockSize;
    this.tiers = tiersOf(config);
    this.blockLoad = new Int32Array(this.tiers ? config.numGpuBlocks : 0).fill(-1);
    this.transfer = transferOf(config);
    const tiers = this.tiers;
    if (tiers !== null) this.pool.onEvict = (hash, events) => tiers.offload(hash, this.nowMs, events);
  }

  /** Throws the RangeError `add` would throw for this request (it can never run, or its id is in use); changes nothing. */
  validate(req: EngineRequest): void {
    const { id } = req;
    if (typeof id !== 'string' || id.length === 0) throw new RangeError('request id must be a non-empty string');
    if (this.byId.has(id)) throw new RangeError(`request id ${id} is already in the engine`);
    const p = req.promptLength ?? req.prompt.length;
    if (req.promptLength !== undefined) this.checkHashOnly(req);
    const l = req.output.length;
    if (p < 1) throw new RangeError(`request ${id}: the prompt must have at least 1 token`);
    if (l < 1) throw new RangeError(`request ${id}: the output must have at least 1 token`);
    if (p + l > this.config.maxModelLen) {
      throw new RangeError(`request ${id}: ${p} prompt + ${l} output tokens exceed max-model-len ${this.config.maxModelLen}`);
    }
    // A preempted request is readmitted with up to p + l − 1 known tokens, under the watermark.
    const worst = Math.ceil((p + l - 1) / this.bs) + this.watermarkBlocks;
    if (worst > this.config.numGpuBlocks) {
      throw new RangeError(
        `request ${id}: ${p} prompt + ${l} output tokens need up to ${worst} KV blocks (watermark included) but the engine has ${this.config.numGpuBlocks}`,
      );
    }
    if (req.priority !== undefined && !Number.isSafeInteger(req.priority)) throw new RangeError(`request ${id}: priority must be an integer, got ${String(req.priority)}`);
    if (req.latencySensitivityS !== undefined && !Number.isFinite(req.latencySensitivityS)) {
      throw new RangeError(`request ${id}: latency sensitivity must be a finite number of seconds, got ${String(req.latencySensitivityS)}`);
    }
    const remote = remoteRequestProblem(this.config.disaggregationMode, req.remotePrefill === true, req.remoteDecode === true);
    if (remote !== null) throw new RangeError(`request ${id}: ${remote}`);
    if (req.promptHashes && req.promptHashes.length !== Math.floor(p / this.bs)) {
      throw new RangeError(`request ${id}: promptHashes has ${req.promptHashes.length} hashes, expected ${Math.floor(p / this.bs)} (block size ${this.bs})`);
    }
  }

  /** Queue a request (by the scheduling policy). Throws RangeError when it can never run or its id is in use. */
  add(req: EngineRequest): void {
    this.validate(req);
    const { id } = req;
    const seq = new Sequence(req, this.addCount++, 1000 / this.config.speedupRatio);
    // Async scheduling: the next step is already planned while the engine is busy.
    seq.eligibleStep = this.stepCount + 1 + (this.config.asyncScheduling === true && this.hasWork() ? 1 : 0);
    this.byId.set(id, seq);
    this.waiting.pushBack(seq);
  }

  /** A hash-only request (EngineRequest.promptLength) must carry what the engine will read. */
  private checkHashOnly(req: EngineRequest): void {
    const p = req.promptLength!;
    if (!Number.isInteger(p) || p < 0) throw new RangeError(`request ${req.id}: promptLength must be an integer ≥ 0, got ${String(p)}`);
    if (this.eventTokenIds) throw new RangeError(`request ${req.id}: a hash-only prompt needs an engine built with eventTokenIds: false`);
    if (!req.promptHashes) throw new RangeError(`request ${req.id}: a hash-only prompt needs promptHashes`);
    const tail = p % this.bs;
    if (req.prompt.length !== tail) {
      throw new RangeError(`request ${req.id}: a hash-only prompt of ${p} tokens carries its last ${tail} tokens, got ${req.prompt.length}`);
    }
  }

  /** Remove a waiting or running request and release its blocks. Unknown ids are ignored. */
  abort(id: string): KvEvent[] {
    const events: KvEvent[] = [];
    const seq = this.byId.get(id);
    if (!seq) return events;
    if (seq.status === WAITING) {
      this.waiting.remove(seq);
    } else {
      const i = this.running.indexOf(seq);
      if (i >= 0) this.running.splice(i, 1);
      this.releaseBlocks(seq);
    }
    seq.status = DONE;
    this.byId.delete(id);
    return events;
  }

  hasWork(): boolean {
    return this.running.length > 0 || this.waiting.length > 0;
  }

  /** Run one engine iteration starting at `nowMs`. */
  step(nowMs: number): StepResult {
    if (!this.hasWork()) {
      return { startMs: nowMs, endMs: nowMs, prefillTokens: 0, decodeSeqs: 0, progress: [], preempted: [], events: [], idle: true };
    }
    // Scratch lists: copied out at the end (most steps emit one token and no events, so the result's
    // lists are sized exactly, or empty), or handed out as they are when results are reused.
    const events = this.stepEvents;
    const progress = this.stepProgress;
    const preempted = this.stepPreempted;
    if (this.reuse) {
      clear(events);
      clear(progress);
      clear(preempted);
    }
    const { maxNumBatchedTokens, maxNumSeqs, enableChunkedPrefill } = this.config;
    const step = ++this.stepCount;
    this.nowMs = nowMs;
    let loading = 0;
    const bs = this.bs;
    const running = this.running;
    const sched = this.schedSeqs;
    const chunks = this.schedChunks;
    let nSched = 0;
    let budget = maxNumBatchedTokens;
    let prefillTokens = 0;
    let decodeSeqs = 0;

    // 1. Running requests, oldest first.
    for (let i = 0; i < running.length && budget > 0; i++) {
      const seq = running[i];
      if (!seq.prefilling) {
        if (seq.numComputed >= seq.blocks.length * bs) {
          let block = this.pool.allocate(events);
          while (block < 0) {
            // vLLM: FCFS preempts the newest running request, priority the largest (priority, arrival).
            const v = this.byPriority ? victimIndex(running) : running.length - 1;
            const victim = running[v];
            running.splice(v, 1);
            if (v < i) {
              // An older request already scheduled in this step (priority only): take it back out.
              i--;
              const k = sched.indexOf(victim);
              if (k >= 0 && k < nSched) {
                budget += chunks[k];
                if (victim.prefilling) prefillTokens -= chunks[k];
                else decodeSeqs--;
                for (let j = k; j < nSched - 1; j++) {
                  sched[j] = sched[j + 1];
                  chunks[j] = chunks[j + 1];
                }
                sched[--nSched] = null;
              }
            }
            this.preempt(victim, preempted);
            if (victim === seq) break;
            block = this.pool.allocate(events);
          }
          if (block < 0) break; // it preempted itself: it was the last running request
          seq.blocks.push(block);
        }
        chunks[nSched] = 1;
        sched[nSched++] = seq;
        budget -= 1;
        decodeSeqs++;
      } else {
        if (seq.waits !== null) {
          if (this.stillLoading(seq)) {
            loading++;
            continue;
          }
          seq.waits = null;
        }
        const remaining = seq.numTokens - seq.numComputed;
        let chunk: number;
        if (enableChunkedPrefill) chunk = Math.min(remaining, budget);
        else if (remaining <= budget || budget === maxNumBatchedTokens) chunk = remaining;
        else continue;
        chunks[nSched] = chunk;
        sched[nSched++] = seq;
        budget -= chunk;
        prefillTokens += chunk;
      }
    }

    // 2. Admission (not in a step that preempted, as vLLM).
    let admitted = 0;
    if (preempted.length === 0) {
      while (this.waiting.length > 0 && running.length < maxNumSeqs && budget > 0) {
        const seq = this.waiting.peekFront()!;
        // Not yet planned for (async scheduling), unless the step would otherwise be empty.
        if (seq.eligibleStep > step && nSched > 0) break;
        const chunk = this.admit(seq, budget, events);
        if (chunk < 0) break;
        this.waiting.popFront();
        running.push(seq);
        if (seq.waits !== null) {
          // Its lower-tier blocks are on their way: it runs in a step after they arrive.
          if (this.stillLoading(seq)) {
            loading++;
            continue;
          }
          seq.waits = null;
        }
        chunks[nSched] = chunk;
        sched[nSched++] = seq;
        budget -= chunk;
        prefillTokens += chunk;
        admitted++;
      }
    }

    // 3. Duration, from the batch as scheduled (before any token is computed).
    const batch = this.batch;
    for (let k = 0; k < nSched; k++) {
      const seq = sched[k]!;
      const chunk = chunks[k];
      batch.newTokens[k] = chunk;
      batch.contextTokens[k] = seq.numComputed;
      batch.decoding[k] = seq.prefilling ? 0 : 1;
      batch.emits[k] = seq.numComputed + chunk === seq.numTokens ? 1 : 0;
    }
    batch.size = nSched;
    batch.admitted = admitted;
    batch.prefillTokens = prefillTokens;
    batch.decodeSeqs = decodeSeqs;
    batch.heldKvTokens = this.pool.held * bs;
    const { speedupRatio, decodeSpeedupRatio } = this.config;
    let endMs: number;
    if (nSched === 0 && loading > 0) {
      // Nothing to run but loads in flight: wait for the next transfer to complete.
      const next = Math.min(this.tiers?.nextCompletionMs(nowMs) ?? Infinity, this.transfer?.nextCompletionMs(nowMs) ?? Infinity);
      if (!(next > nowMs) || !Number.isFinite(next)) throw new Error(`engine: ${loading} requests wait for KV loads but no transfer completes after ${nowMs}`);
      endMs = next;
    } else {
      const st = this.stepTime;
      this.timing.stepTime(batch, st);
      let durationMs = 0;
      if (prefillTokens > 0) durationMs += st.prefillMs / speedupRatio;
      if (decodeSeqs > 0) durationMs += st.decodeMs / (speedupRatio * decodeSpeedupRatio);
      endMs = nowMs + Math.max(0, durationMs);
    }

    // 4. Execute: advance computed tokens, store filled blocks, emit tokens, finish.
    let finishedAny = false;
    for (let k = 0; k < nSched; k++) {
      const seq = sched[k]!;
      sched[k] = null;
      seq.numComputed += chunks[k];
      // Only when a block filled up (the common decode step stores nothing).
      if (this.pool.prefixCaching && seq.numComputed >= (seq.numHashed + 1) * bs) this.storeFullBlocks(seq, seq.numComputed, events);
      if (seq.numComputed !== seq.numTokens) continue;
      const token = seq.output[seq.emitted];
      seq.emitted++;
      seq.prefilling = false;
      this.counters.generationTokens++;
      const first = seq.emitted === 1;
      const finished = seq.emitted === seq.outputLen;
      // One shape for every progress entry (cachedTokens only set on the first token).
      const cachedTokens = first ? seq.cachedTokens : undefined;
      const prog: RequestProgress = this.reuse ? this.reusedProgress(progress.length, seq.id, token, first, finished, cachedTokens) : { id: seq.id, tokens: [token], first, finished, cachedTokens };
      if (this.tiers !== null && (first || this.reuse)) {
        // Pooled entries are reused: clear what a previous first token left.
        prog.cpuCachedTokens = first ? seq.cpuCachedTokens : undefined;
        prog.diskCachedTokens = first ? seq.diskCachedTokens : undefined;
      }
      if (seq.remotePrefill || seq.remoteDecode || (this.reuse && this.config.disaggregationMode !== undefined)) {
        prog.kvTransferTokens = first && seq.kvTransferTokens > 0 ? seq.kvTransferTokens : undefined;
        prog.remoteBlockIds = finished && seq.remoteDecode ? seq.blocks.slice() : undefined;
      }
      if (first) this.counters.promptTokens += seq.promptLen;
      if (finished) {
        this.releaseBlocks(seq);
        seq.status = DONE;
        this.byId.delete(seq.id);
        finishedAny = true;
      }
      progress.push(prog);
    }
    if (finishedAny) {
      let j = 0;
      for (let i = 0; i < running.length; i++) if (running[i].status === RUNNING) running[j++] = running[i];
      running.length = j;
    }
    if (this.reuse) {
      const r = this.result;
      r.startMs = nowMs;
      r.endMs = endMs;
      r.prefillTokens = prefillTokens;
      r.decodeSeqs = decodeSeqs;
      return r;
    }
    return { startMs: nowMs, endMs, prefillTokens, decodeSeqs, progress: takeAll(progress), preempted: takeAll(preempted), events: takeAll(events), idle: false };
  }

  /** The k-th pooled progress entry, filled in (EngineOptions.reuseStepResults). */
  private reusedProgress(k: number, id: string, token: number, first: boolean, finished: boolean, cachedTokens: number | undefined): RequestProgress {
    const pool = this.progressPool;
    if (k === pool.length) pool.push({ id, tokens: [token], first, finished, cachedTokens });
    const p = pool[k];
    p.id = id;
    p.tokens[0] = token;
    p.first = first;
    p.finished = finished;
    p.cachedTokens = cachedTokens;
    return p;
  }

  stats(): EngineStats {
    const held = this.pool.held;
    return {
      running: this.running.length,
      waiting: this.waiting.length,
      activeBlocks: held,
      cachedFreeBlocks: this.pool.cachedFree,
      totalBlocks: this.config.numGpuBlocks,
      kvUsage: held / this.config.numGpuBlocks,
      ...this.counters,
      ...(this.tiers !== null ? { ...this.tierCounters, cpuCachedBlocks: this.tiers.cpu.size, diskCachedBlocks: this.tiers.disk?.size ?? 0 } : {}),
      ...(this.transfer !== null ? { kvTransfers: this.transfer.transfers, kvTransferTokens: this.transfer.tokens } : {}),
    };
  }

  /** Forget the prefix cache (AllBlocksCleared); refused while any block is referenced. */
  resetPrefixCache(): { ok: boolean; events: KvEvent[] } {
    const events: KvEvent[] = [];
    const ok = this.pool.clear(events);
    if (ok) {
      this.tiers?.clear();
      this.transfer?.clear();
      this.blockLoad.fill(-1);
    }
    return { ok, events };
  }

  /** Every hash currently in the prefix cache, referenced or not. */
  cachedBlockHashes(): Set<number> {
    return this.pool.cachedHashes();
  }

  /** Blocks in the prefix cache now, referenced or not. */
  cachedBlockCount(): number {
    return this.pool.hashedCount;
  }

  /** Leading blocks of `hashes` the prefix cache holds now (computed blocks only): an exact router's overlap. */
  cachedPrefixBlocks(hashes: readonly number[]): number {
    let n = 0;
    while (n < hashes.length && this.pool.isCached(hashes[n])) n++;
    return n;
  }

  /** Every hash held by an offload tier, by medium (empty without tiers). */
  offloadedBlockHashes(): { cpu: Set<number>; disk: Set<number> } {
    const t = this.tiers;
    return { cpu: new Set(t ? t.cpu.keys() : []), disk: new Set(t?.disk ? t.disk.keys() : []) };
  }

  /** Throws when the scheduler or the pool is inconsistent (tests, debug). O(blocks + requests). */
  assertInvariants(): void {
    this.pool.assertInvariants();
    this.tiers?.assertInvariants(this.pool.cachedHashes());
    const fail = (msg: string): never => {
      throw new Error(`engine invariant broken: ${msg}`);
    };
    const { numGpuBlocks, maxNumSeqs } = this.config;
    if (this.running.length > maxNumSeqs) fail(`${this.running.length} running > max-num-seqs ${maxNumSeqs}`);
    if (this.running.length + this.waiting.length !== this.byId.size) {
      fail(`${this.running.length} running + ${this.waiting.length} waiting ≠ ${this.byId.size} known requests`);
    }
    const refs = new Int32Array(numGpuBlocks);
    const seen = new Set<Sequence>();
    for (const seq of this.running) {
      if (seen.has(seq)) fail(`request ${seq.id} is in the running list twice`);
      seen.add(seq);
      if (seq.status !== RUNNING) fail(`request ${seq.id} is in the running list but not running`);
      if (this.byId.get(seq.id) !== seq) fail(`running request ${seq.id} is not registered`);
      if (seq.numComputed > seq.numTokens) fail(`request ${seq.id} computed ${seq.numComputed} > ${seq.numTokens} known tokens`);
      if (seq.blocks.length * this.bs < seq.numComputed) fail(`request ${seq.id} computed ${seq.numComputed} tokens in ${seq.blocks.length} blocks`);
      if (seq.prefilling && seq.blocks.length !== Math.ceil(seq.numTokens / this.bs)) fail(`prefilling request ${seq.id} does not hold blocks for all its tokens`);
      if (seq.emitted >= seq.outputLen) fail(`request ${seq.id} emitted all its output but still runs`);
      if (seq.numHashed > seq.blocks.length) fail(`request ${seq.id} has more stored blocks than blocks`);
      if (seq.waits !== null && !seq.prefilling) fail(`request ${seq.id} waits for KV loads but is decoding`);
      for (const b of seq.blocks) refs[b]++;
    }
    for (let i = 0; i < this.waiting.length; i++) {
      const seq = this.waiting.at(i)!;
      if (seen.has(seq)) fail(`request ${seq.id} is both running and waiting (or waiting twice)`);
      seen.add(seq);
      if (seq.status !== WAITING) fail(`request ${seq.id} is in the waiting queue but not waiting`);
      if (seq.blocks.length !== 0) fail(`waiting request ${seq.id} holds ${seq.blocks.length} blocks`);
      if (seq.numComputed !== 0) fail(`waiting request ${seq.id} has ${seq.numComputed} computed tokens`);
      if (seq.waits !== null) fail(`waiting request ${seq.id} still waits for KV loads`);
    }
    for (let b = 0; b < numGpuBlocks; b++) {
      if (this.pool.refCount(b) !== refs[b]) fail(`block ${b} has refcount ${this.pool.refCount(b)} but ${refs[b]} holders`);
    }
  }

  /**
   * Try to admit the head of the waiting queue with `budget` tokens left: prefix lookup, budget and
   * block checks, then take the blocks. Returns the tokens it computes this step, or −1 (nothing changed).
   */
  private admit(seq: Sequence, budget: number, events: KvEvent[]): number {
    const bs = this.bs;
    const target = seq.numTokens;
    const pool = this.pool;
    // hits: leading blocks found anywhere; gpuHits of them on GPU, the others (−1 in seq.blocks for
    // now) in an offload tier, listed in lowerHits.
    let hits = 0;
    let gpuHits = 0;
    let evictableHits = 0;
    const tiers = this.tiers;
    const lowerHits = this.lowerHits;
    lowerHits.length = 0;
    if (pool.prefixCaching) {
      const hashes = seq.ensureHashes(bs);
      // Whole blocks within the first target − 1 tokens (the last token is always computed).
      const maxHits = Math.min(hashes.length, Math.floor((target - 1) / bs));
      while (hits < maxHits) {
        const b = pool.lookup(hashes[hits]);
        if (b < 0) {
          const tier = tiers === null ? TIER_NONE : tiers.tierOf(hashes[hits]);
          if (tier === TIER_NONE) break;
          lowerHits.push(tier);
          seq.blocks.push(-1);
          hits++;
          continue;
        }
        if (pool.refCount(b) === 0) evictableHits++;
        seq.blocks.push(b);
        hits++;
        gpuHits++;
      }
    }
    const cached = hits * bs;
    // A remote prefill's first admission: the KV of every prompt token not cached here is pulled; the last one is computed.
    const remote = seq.remotePrefill && seq.cachedTokens < 0;
    const computed = remote ? target - 1 : cached;
    const need = target - computed;
    const { enableChunkedPrefill, maxNumBatchedTokens } = this.config;
    const newBlocks = Math.ceil(target / bs) - gpuHits;
    if (
      (!enableChunkedPrefill && need > budget && budget !== maxNumBatchedTokens) ||
      pool.available - evictableHits - newBlocks < this.watermarkBlocks
    ) {
      seq.blocks.length = 0;
      return -1;
    }
    for (let i = 0; i < hits; i++) if (seq.blocks[i] >= 0) pool.acquire(seq.blocks[i]);
    if (lowerHits.length > 0) this.loadLowerHits(seq, hits, events);
    for (let i = gpuHits + lowerHits.length; i < gpuHits + newBlocks; i++) seq.blocks.push(this.allocateBlock(seq, events));
    if (tiers !== null) this.waitForLoads(seq, hits);
    if (remote) {
      seq.kvTransferTokens = target - cached;
      (seq.waits ??= []).push(-this.transfer!.start(target - cached, this.nowMs));
    }
    seq.numComputed = computed;
    seq.numHashed = hits;
    seq.prefilling = true;
    seq.status = RUNNING;
    const lowerCpu = countOf(lowerHits, TIER_CPU) * bs;
    const lowerDisk = (lowerHits.length * bs) - lowerCpu;
    if (seq.cachedTokens < 0) {
      seq.cachedTokens = cached;
      seq.cpuCachedTokens = lowerCpu;
      seq.diskCachedTokens = lowerDisk;
    }
    if (pool.prefixCaching) {
      this.counters.prefixQueries += target;
      this.counters.prefixHits += cached - lowerCpu - lowerDisk;
      this.tierCounters.cpuHitTokens += lowerCpu;
      this.tierCounters.diskHitTokens += lowerDisk;
    }
    return enableChunkedPrefill ? Math.min(need, budget) : need;
  }

  /** A fresh GPU block for `seq` (no load in flight into it), evicting (and offloading) if needed. */
  private allocateBlock(seq: Sequence, events: KvEvent[]): number {
    const b = this.pool.allocate(events);
    if (b < 0) throw new Error(`engine: admission of ${seq.id} ran out of blocks after the check`);
    if (this.tiers !== null) this.blockLoad[b] = -1;
    return b;
  }

  /**
   * Admission of `seq` found some of its first `hits` blocks in offload tiers (−1 in seq.blocks): take
   * them out of their tiers (before any allocation can demote or drop them), give each a fresh GPU block
   * under its hash (announced as stored on GPU), and start one load per tier for them.
   */
  private loadLowerHits(seq: Sequence, hits: number, events: KvEvent[]): void {
    const tiers = this.tiers!;
    const hashes = seq.hashes!;
    const lowerHits = this.lowerHits;
    for (let i = 0, k = 0; i < hits; i++) if (seq.blocks[i] < 0) tiers.take(hashes[i], lowerHits[k++], events);
    const cpu = countOf(lowerHits, TIER_CPU);
    const cpuLoad = cpu > 0 ? tiers.startLoad(TIER_CPU, cpu, this.nowMs) : -1;
    const diskLoad = lowerHits.length > cpu ? tiers.startLoad(TIER_DISK, lowerHits.length - cpu, this.nowMs) : -1;
    let runStart = -1;
    for (let i = 0, k = 0; i <= hits; i++) {
      if (i < hits && seq.blocks[i] < 0) {
        const b = this.allocateBlock(seq, events);
        seq.blocks[i] = b;
        if (!this.pool.store(b, hashes[i])) throw new Error(`engine: block ${hashes[i]} loaded from an offload tier is already on GPU`);
        this.blockLoad[b] = lowerHits[k++] === TIER_CPU ? cpuLoad : diskLoad;
        if (runStart < 0) runStart = i;
      } else if (runStart >= 0) {
        this.pool.announceStored(events, hashes.slice(runStart, i), runStart > 0 ? hashes[runStart - 1] : null, this.eventTokens(seq, runStart * this.bs, i * this.bs));
        runStart = -1;
      }
    }
  }

  /** Record the loads `seq`'s first `hits` blocks still wait for (its own, or another request's). */
  private waitForLoads(seq: Sequence, hits: number): void {
    let waits: number[] | null = null;
    for (let i = 0; i < hits; i++) {
      const load = this.blockLoad[seq.blocks[i]];
      if (load < 0) continue;
      if (!this.tiers!.inFlight(load, this.nowMs)) {
        this.blockLoad[seq.blocks[i]] = -1;
        continue;
      }
      waits ??= [];
      if (!waits.includes(load)) waits.push(load);
    }
    seq.waits = waits;
  }

  /** Whether any load `seq` waits for (a tier load, or −id: a KV transfer) is still in flight now. */
  private stillLoading(seq: Sequence): boolean {
    for (const id of seq.waits!) if (id < 0 ? this.transfer!.inFlight(-id, this.nowMs) : this.tiers!.inFlight(id, this.nowMs)) return true;
    return false;
  }

  /**
   * Store every held block that is full within the first `upTo` tokens, announcing each run of newly
   * stored consecutive blocks as one BlockStored (a block whose hash is already cached breaks the run).
   */
  private storeFullBlocks(seq: Sequence, upTo: number, events: KvEvent[]): void {
    const bs = this.bs;
    const full = Math.floor(Math.min(upTo, seq.blocks.length * bs) / bs);
    if (seq.numHashed >= full) return;
    // hashOf extends this same array, so a run of stored blocks is announced as one slice of it.
    const hashes = seq.ensureHashes(bs);
    let runStart = -1;
    for (let b = seq.numHashed; b < full; b++) {
      const hash = b < hashes.length ? hashes[b] : seq.hashOf(b, bs);
      if (this.pool.store(seq.blocks[b], hash)) {
        this.tiers?.drop(hash, events);
        if (runStart < 0) runStart = b;
      } else if (runStart >= 0) {
        this.pool.announceStored(events, hashes.slice(runStart, b), runStart > 0 ? hashes[runStart - 1] : null, this.eventTokens(seq, runStart * bs, b * bs));
        runStart = -1;
      }
    }
    if (runStart >= 0) {
      this.pool.announceStored(events, hashes.slice(runStart, full), runStart > 0 ? hashes[runStart - 1] : null, this.eventTokens(seq, runStart * bs, full * bs));
    }
    seq.numHashed = full;
  }

  /** A BlockStored event's token ids: tokens [start, end), or none (EngineOptions.eventTokenIds). */
  private eventTokens(seq: Sequence, start: number, end: number): number[] {
    return this.eventTokenIds ? seq.tokenSlice(start, end) : [];
  }

  private preempt(seq: Sequence, preempted: string[]): void {
    this.releaseBlocks(seq);
    seq.numComputed = 0;
    seq.numHashed = 0;
    seq.prefilling = true;
    seq.status = WAITING;
    seq.waits = null;
    this.waiting.pushFront(seq);
    preempted.push(seq.id);
    this.counters.preemptions++;
  }

  /** Release a request's blocks tail-first, so its tail is evicted before its (shared) prefix. */
  private releaseBlocks(seq: Sequence): void {
    for (let i = seq.blocks.length - 1; i >= 0; i--) this.pool.release(seq.blocks[i]);
    seq.blocks.length = 0;
  }
}

/** The running request vLLM's priority policy preempts: the largest (priority, arrival). */
function victimIndex(running: readonly Sequence[]): number {
  let v = running.length - 1;
  for (let i = running.length - 2; i >= 0; i--) if (laterInPriority(running[i], running[v])) v = i;
  return v;
}

function countOf(list: readonly number[], value: number): number {
  let n = 0;
  for (let i = 0; i < list.length; i++) if (list[i] === value) n++;
  return n;
}
