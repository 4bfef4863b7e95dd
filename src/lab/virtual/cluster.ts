/**
 * The virtual cluster: N mock engines behind one RouterCore, driven by a workload's schedule on ONE
 * discrete-event queue in virtual time. No HTTP, no clocks, no ZeroMQ: the same pure engine and router
 * the real servers use, with the loop standing in for the drivers (docs/DESIGN.md "pure cores, I/O shells").
 *
 * Events: a turn send, an engine step start (an idle engine got work), an engine step end, a
 * schedule wake-up. Ties run in insertion order, so a run is a pure function of its inputs.
 * - Send: plan the turn (prompt hashes once at the engine's block size, the engine given only the tokens
 *   after the last full block — for a one-message trace turn, hashes derived from its block ids without
 *   building its tokens, trace-hashes.ts — output), route it
 *   (`route`), add it to the chosen engine; an idle engine starts a step at that time.
 * - Step end: hand KV events to the router (kv mode: `applyEvents`, in memory), deliver tokens
 *   (first → `firstToken`, TTFT; each → `outputTokens`, ITL; last → `finish`, record, schedule the
 *   conversation's next turn), then step again at once while the engine has work.
 * - Speculative prefill (a turn with `nvext.agent_hints.speculative_prefill`), as the router proxy
 *   does it: when the turn finishes, the same engine gets its messages + the answer (thinking
 *   stripped) with 1 output token, unrecorded and untracked by the router; `recordCached` tells a
 *   kv-approx router what it will cache.
 * Disaggregated prefill/decode (`prefillWorkers` P > 0), as Dynamo's disaggregated router does it: the
 * router (kv policy, fed by the prefill workers' events) picks a prefill worker by KV overlap; the
 * prefill runs there with 1 output token (vLLM's proxy sends max_tokens 1, `do_remote_decode`); when
 * it finishes, a decode router over the other workers — the kv cost with overlap weight 0, so decode
 * load alone, as Dynamo's decode stage sets overlap_score_weight=0 (docs.nvidia.com/dynamo, Router,
 * "Disaggregated Serving") — picks a decode worker, which pulls the KV (`remotePrefill`) and generates
 * every output token. TTFT is the decode worker's first token: prefill, transfer and its last-token step.
 * Speculative prefill is not sent in P/D mode (its turns are served as plain turns).
 * Router replicas (`router.replicas`): R RouterCores behind a spreader (router-sim/router-replicas.ts).
 * Ground truth and stale signals: every step's stored blocks feed the run's best case (best-case.ts);
 * `router.oracle` routes on the engines' true caches (RouterCore `exactCache`); with a KV-event delay
 * or loss the batches travel through a KvEventLink (sequence numbers, seeded loss, gap → snapshot
 * resync) as queued deliveries instead of reaching the router at the step's end.
 * Guards: the loop throws after `maxEvents` events, after `noProgressLimit` consecutive events in
 * which no request advanced, and when the queue runs dry with work still in flight.
 *
 * Approximation: a request the server would refuse (context length, KV capacity) fails at once with
 * the server's status and message, without being routed.
 */
import { ChatTokenizer } from '../../core/chat-template.ts';
import { makeError } from '../../core/errors.ts';
import { requestPriority } from '../../core/openai-schemas.ts';
import { LOREM_TOKEN_IDS } from '../../core/lorem.ts';
import type { RequestRecord } from '../../core/records.ts';
import { createRng, type Rng } from '../../core/rng.ts';
import { Engine, type RequestProgress } from '../../mocker/engine/index.ts';
import type { ExactCacheView } from '../../router-sim/router-core.ts';
import { RouterReplicas } from '../../router-sim/router-replicas.ts';
import { tierCreditsOf } from '../../router-sim/tier-index.ts';
import type { Workload } from '../../client/workloads/types.ts';
import { answerMessage, VirtualConversation } from './conversation.ts';
import { EngineSlot } from './engine-slot.ts';
import { EventQueue } from './event-queue.ts';
import { failedRecord, InFlightRequest } from './in-flight.ts';
import { PromptBuilder, type TemplateMessage } from './prompt-builder.ts';
import { builtPrompt, planTurn, wantsSpeculativePrefill, type PlanLimits, type PlannedPrompt } from './request-plan.ts';
import { TracePromptHasher } from './trace-hashes.ts';
import { BestCaseCache } from './best-case.ts';
import { KvEventLink } from './kv-event-link.ts';
import type { KvEvent } from '../../mocker/engine/index.ts';
import { tracePromptOf } from '../../client/workloads/trace.ts';
import { createSchedule } from './schedule.ts';
import type { ScheduleDriver, ScheduleHost } from './schedule-driver.ts';
import {
  defaultMaxEvents,
  DEFAULT_NO_PROGRESS_LIMIT,
  DEFAULT_VIRTUAL_MAX_TOKENS,
  type VirtualClusterConfig,
  type VirtualEngine,
  type VirtualRunOptions,
  type VirtualRunResult,
} from './types.ts';

const SEND = 0;
const STEP_START = 1;
const STEP_END = 2;
const WAKE = 3;
const KV_BATCH = 4;
const KV_SNAPSHOT = 5;

type SimEvent =
  /** A turn reaches the router; the client sent it at `sentMs` (earlier by the frontend latency). */
  | { kind: typeof SEND; conv: number; warmup: boolean; sentMs: number }
  | { kind: typeof STEP_START | typeof STEP_END; worker: number }
  | { kind: typeof WAKE; fn: (nowMs: number) => void }
  /** A worker's KV event batch reaches the router (delayed link). */
  | { kind: typeof KV_BATCH; worker: number; seq: number; events: readonly KvEvent[] }
  /** A worker's cache snapshot, asked for after a sequence gap, reaches the router. */
  | { kind: typeof KV_SNAPSHOT; worker: number; seq: number; hashes: number[] };

/** The one token a speculative prefill generates (its content never matters). */
const SPEC_OUTPUT: readonly number[] = Object.freeze([LOREM_TOKEN_IDS[0]]);

export class VirtualCluster implements ScheduleHost {
  readonly conversations: VirtualConversation[];
  private readonly queue = new EventQueue<SimEvent>();
  private readonly slots: EngineSlot[];
  private readonly startEvents: SimEvent[];
  private readonly endEvents: SimEvent[];
  /** The router: one RouterCore, or R replicas behind a spreader (`router.replicas`); over the prefill workers in P/D mode. */
  private readonly router: RouterReplicas;
  /** P/D mode: prefill workers (slots 0..P−1), the decode router over the others, requests between the two. */
  private readonly prefillCount: number;
  private readonly decodeRouter: RouterReplicas | null;
  private readonly handoffs = new Map<string, { prompt: PlannedPrompt; cachedTokens: number | undefined }>();
  private readonly applyKvEvents: boolean;
  /** Delayed or lossy KV events (null: they reach the router at the step's end). */
  private readonly kvLink: KvEventLink | null;
  private readonly bestCase: BestCaseCache;
  /** Best-case hit tokens of each request in flight, fixed at its arrival. */
  private readonly bestHits = new Map<string, number>();
  private readonly prompts = new PromptBuilder(new ChatTokenizer());
  /** Every prompt (turns and speculative prefills) goes to the engines hash-only (not with a test's engineFactory, whose engines may want tokens). */
  private readonly hashOnlyPrompts: boolean;
  private readonly traceHashers = new Map<string, TracePromptHasher>();
  private readonly rng: Rng;
  private readonly limits: PlanLimits;
  private readonly schedule: ScheduleDriver;
  private readonly inFlight = new Map<string, InFlightRequest>();
  /** Speculative prefills in the engines (ids). */
  private readonly speculative = new Set<string>();
  /** Records kept for the result: all of them without an `onRecord` sink, none with one. */
  private readonly records: RequestRecord[] = [];
  private readonly onRecord: ((r: RequestRecord) => void) | undefined;
  private readonly maxEvents: number;
  private readonly noProgressLimit: number;
  /** Latency outside the engines (TimingModel.frontendMs over the speedup): a turn reaches the router this long after it is sent. */
  private readonly frontendMs: number;
  private nowMs = 0;
  private runStartMs = 0;
  private lastActivityMs = 0;
  private events = 0;
  private sinceProgress = 0;
  private nextSpecId = 0;
  private specSent = 0;
  private specRejected = 0;
  private warmupSent = 0;
  private preemptions = 0;
  private ran = false;

  private readonly observeStep: VirtualRunOptions['observeStep'];

  constructor(workload: Workload, cluster: VirtualClusterConfig, opts: Pick<VirtualRunOptions, 'seed' | 'maxEvents' | 'noProgressLimit' | 'defaultMaxTokens' | 'engineFactory' | 'observeStep' | 'onRecord'>) {
    const n = cluster.numWorkers;
    const names = Array.from({ length: n }, (_, i) => `worker-${i}`);
    const p = cluster.prefillWorkers ?? 0;
    if (p > 0 && !(Number.isInteger(p) && p < n)) throw new RangeError(`virtual cluster: prefillWorkers must be an integer in 1..${n - 1} (at least one decode worker), got ${p}`);
    this.prefillCount = p;
    // The router trusts the mock Engine's hashes (trustedKvHashes below), so its events need no token
    // ids; a step's result is consumed at the step's end, before the next step, so it is reused.
    const make = opts.engineFactory ?? ((config, timing) => new Engine(config, timing, { eventTokenIds: false, reuseStepResults: true }));
    const engineOf = (i: number) => (p === 0 ? cluster.engine : { ...cluster.engine, disaggregationMode: i < p ? ('prefill' as const) : ('decode' as const) });
    this.slots = names.map((name, i) => new EngineSlot(i, name, make(engineOf(i), cluster.timing, i)));
    this.startEvents = names.map((_, i) => ({ kind: STEP_START, worker: i }));
    this.endEvents = names.map((_, i) => ({ kind: STEP_END, worker: i }));
    this.router = new RouterReplicas({
      workerNames: p > 0 ? names.slice(0, p) : names,
      mode: cluster.router.mode,
      blockSize: cluster.engine.blockSize,
      overlapScoreWeight: cluster.router.kvOverlapScoreWeight,
      temperature: cluster.router.routerTemperature,
      routerTtlS: cluster.router.routerTtlS,
      seed: opts.seed,
      // The mock Engine hashes blocks with core/block-hash, as the router does: its events need no re-hashing.
      trustedKvHashes: opts.engineFactory === undefined,
      // At most every worker's whole pool, distinct (bounded: a hint, not a limit).
      expectedBlocks: Math.min(n * cluster.engine.numGpuBlocks, 1 << 20),
      ...(cluster.router.oracle ? { exactCache: this.exactCache() } : {}),
      ...(cluster.router.loadRefreshMs ? { loadRefreshMs: cluster.router.loadRefreshMs } : {}),
      tierCredits: tierCreditsOf(cluster.router),
    }, { replicas: cluster.router.replicas ?? 1, sync: cluster.router.replicaSync, spread: cluster.router.replicaSpread });
    this.decodeRouter =
      p === 0
        ? null
        : new RouterReplicas(
            { workerNames: names.slice(p), mode: 'kv', blockSize: cluster.engine.blockSize, overlapScoreWeight: 0, temperature: 0, routerTtlS: cluster.router.routerTtlS, seed: `${opts.seed}/decode` },
            { replicas: 1 },
          );
    this.applyKvEvents = cluster.router.mode === 'kv' && !cluster.router.oracle;
    this.rng = createRng(opts.seed);
    const delayMs = cluster.router.kvEventDelayMs ?? 0;
    const loss = cluster.router.kvEventLoss ?? 0;
    this.kvLink = this.applyKvEvents && (delayMs > 0 || loss > 0) ? new KvEventLink(n, { delayMs, loss, ttlMs: cluster.router.routerTtlS * 1000 }, this.rng.fork('kv-link')) : null;
    this.bestCase = new BestCaseCache(cluster.engine.blockSize);
    this.limits = {
      blockSize: cluster.engine.blockSize,
      maxModelLen: cluster.engine.maxModelLen,
      defaultMaxTokens: opts.defaultMaxTokens ?? DEFAULT_VIRTUAL_MAX_TOKENS,
      reasoningRatio: cluster.reasoningRatio,
    };
    this.hashOnlyPrompts = opts.engineFactory === undefined;
    this.maxEvents = opts.maxEvents ?? defaultMaxEvents(workload);
    this.onRecord = opts.onRecord;
    this.noProgressLimit = opts.noProgressLimit ?? DEFAULT_NO_PROGRESS_LIMIT;
    this.frontendMs = (cluster.timing?.frontendMs ?? 0) / cluster.engine.speedupRatio;
    this.observeStep = opts.observeStep;
    this.conversations = workload.scripts.map((s, i) => new VirtualConversation(i, s));
    this.schedule = createSchedule(workload.schedule, this, this.rng.fork('schedule'));
  }

  /** The engines' true caches, for the oracle router. */
  private exactCache(): ExactCacheView {
    const engines = (): VirtualEngine[] => this.slots.map((s) => s.engine);
    for (const e of engines()) {
      if (!e.cachedPrefixBlocks || !e.cachedBlockCount) throw new RangeError('virtual cluster: the oracle router needs engines that expose their cache (cachedPrefixBlocks, cachedBlockCount)');
    }
    return {
      overlap: (w, hashes) => this.slots[w].engine.cachedPrefixBlocks!(hashes),
      cachedBlocks: (w) => this.slots[w].engine.cachedBlockCount!(),
    };
  }

  // ScheduleHost

  sendAt(atMs: number, conv: number, warmup = false): void {
    const sentMs = Math.max(atMs, this.nowMs);
    this.queue.push(sentMs + this.frontendMs, { kind: SEND, conv, warmup, sentMs });
  }

  wakeAt(atMs: number, fn: (nowMs: number) => void): void {
    this.queue.push(Math.max(atMs, this.nowMs), { kind: WAKE, fn });
  }

  startMeasuring(atMs: number): void {
    this.runStartMs = atMs;
    this.lastActivityMs = atMs;
  }

  /** Run the workload to completion (once). */
  run(): VirtualRunResult {
    if (this.ran) throw new Error('a VirtualCluster runs once');
    this.ran = true;
    this.schedule.start();
    const q = this.queue;
    while (q.size > 0) {
      const t = q.peekTime();
      const ev = q.pop()!;
      if (t < this.nowMs) throw new Error(`virtual cluster: event at ${t} ms after ${this.nowMs} ms (time went backwards)`);
      this.nowMs = t;
      if (++this.events > this.maxEvents) throw new Error(`virtual cluster: more than ${this.maxEvents} events (maxEvents) at ${t.toFixed(3)} ms; raise maxEvents or shrink the workload`);
      if (++this.sinceProgress > this.noProgressLimit) {
        throw new Error(`virtual cluster: no request advanced in ${this.noProgressLimit} events (stuck at ${t.toFixed(3)} ms, ${this.inFlight.size} requests in flight)`);
      }
      switch (ev.kind) {
        case SEND:
          this.send(ev.conv, ev.warmup, ev.sentMs);
          break;
        case STEP_START:
          this.startStep(this.slots[ev.worker]);
          break;
        case STEP_END:
          this.endStep(this.slots[ev.worker]);
          break;
        case WAKE:
          ev.fn(t);
          break;
        case KV_BATCH:
          this.kvBatchArrives(ev.worker, ev.seq, ev.events);
          break;
        case KV_SNAPSHOT:
          this.kvLink!.snapshotArrived(ev.worker, ev.seq);
          this.router.resetWorker(ev.worker);
          this.router.applyEvents(ev.worker, [{ type: 'BlockStored', blockHashes: ev.hashes, parentHash: null, tokenIds: [], blockSize: this.limits.blockSize }]);
          break;
      }
    }
    const busy = this.slots.filter((s) => s.busy || s.engine.hasWork());
    if (this.inFlight.size > 0 || this.speculative.size > 0 || busy.length > 0) {
      throw new Error(
        `virtual cluster: no events left at ${this.nowMs.toFixed(3)} ms but ${this.inFlight.size} requests are in flight` +
          (busy.length > 0 ? ` and ${busy.map((s) => s.name).join(', ')} still have work` : ''),
      );
    }
    return this.result();
  }

  private progressed(): void {
    this.sinceProgress = 0;
    this.lastActivityMs = this.nowMs;
  }

  private send(conv: number, warmup: boolean, sentMs: number): void {
    this.progressed();
    const c = this.conversations[conv];
    const k = c.nextTurn;
    const turn = c.turn(k);
    const now = this.nowMs;
    if (warmup) this.warmupSent++;
    const speculative = wantsSpeculativePrefill(turn);
    const traced = !speculative && this.hashOnlyPrompts ? this.tracePrompt(c, k) : undefined;
    const messages = traced === undefined ? c.messagesFor(k) : null;
    const prompt = traced ?? builtPrompt(this.prompts, messages!, this.limits.blockSize, this.hashOnlyPrompts);
    const planned = planTurn(prompt, turn, this.rng.fork(`out/${conv}/${k}`), this.limits);
    if (!planned.ok) return this.fail(c, k, null, planned.status, planned.error, warmup, sentMs);
    const req = planned.request;
    const id = `${conv}/${k}`;
    if (this.kvLink) for (const w of this.kvLink.silentWorkers(now)) this.router.resetWorker(w);
    const { decision } = this.router.route(id, prompt.hashes, prompt.length, now);
    if (decision.worker === null) {
      const err = makeError('no_workers');
      return this.fail(c, k, null, err.status, err.message, warmup, sentMs);
    }
    const slot = this.slots[decision.worker];
    this.kvLink?.routed(slot.index, now);
    const pd = this.prefillCount > 0;
    try {
      // P/D: the prefill worker generates the one token vLLM's proxy asks it for (discarded).
      slot.engine.add({
        id,
        prompt: prompt.tokens,
        promptHashes: prompt.hashes,
        output: pd ? req.output.slice(0, 1) : req.output,
        ...(prompt.hashOnly ? { promptLength: prompt.length } : {}),
        arrivalMs: now,
        ...(turn.extraBody ? requestPriority(turn.extraBody) : {}),
        ...(pd ? { remoteDecode: true } : {}),
      });
    } catch (err) {
      this.router.finish(id);
      if (err instanceof RangeError) return this.fail(c, k, slot.name, 400, err.message, warmup, sentMs);
      throw err;
    }
    const r = new InFlightRequest(id, conv, k, slot.index, sentMs, prompt.length, req.output.length, req.reasoningCount, warmup);
    r.output = req.output;
    if (speculative && !pd) r.messages = messages;
    if (pd) this.handoffs.set(id, { prompt, cachedTokens: undefined });
    this.inFlight.set(id, r);
    if (!warmup) this.bestHits.set(id, this.bestCase.hitsOf(prompt.hashes, prompt.length));
    if (!warmup) slot.requests++;
    this.kick(slot);
  }

  /** Turn k's prompt, hash-only, when it is exactly one trace message (trace-hashes.ts); else undefined. */
  private tracePrompt(c: VirtualConversation, k: number): PlannedPrompt | undefined {
    const s = c.script;
    const msgs = c.turn(k).messages;
    if (s.preamble.length > 0 || (s.keepHistory && k > 0) || msgs.length !== 1) return undefined;
    const t = tracePromptOf(msgs[0]);
    if (t === undefined) return undefined;
    const role = msgs[0].role;
    let hasher = this.traceHashers.get(role);
    if (hasher === undefined) {
      const { head, tail } = this.prompts.around(role);
      hasher = new TracePromptHasher(this.limits.blockSize, head, tail);
      this.traceHashers.set(role, hasher);
    }
    const h = hasher.hash(t.prompt, t.blockSize);
    return { length: h.length, tokens: h.tail, hashOnly: true, hashes: h.hashes };
  }

  /** A measured request is done: to the sink when there is one (nothing kept), else into the result. */
  private emit(record: RequestRecord): void {
    if (this.onRecord) this.onRecord(record);
    else this.records.push(record);
  }

  private fail(c: VirtualConversation, k: number, worker: string | null, status: number, error: string, warmup: boolean, sentMs: number): void {
    if (!warmup) this.emit(failedRecord(c.id, k, sentMs - this.runStartMs, worker, status, error, c.script.tags));
    c.complete(k, null);
    this.schedule.turnDone(c.index, false, this.nowMs, warmup);
  }

  /** An idle engine got work: its next step starts now, after events already queued for now. */
  private kick(slot: EngineSlot): void {
    if (slot.busy) return;
    slot.busy = true;
    this.queue.push(this.nowMs, this.startEvents[slot.index]);
  }

  private startStep(slot: EngineSlot): void {
    const end = slot.startStep(this.nowMs);
    if (end === null) return;
    const res = slot.pending!;
    this.observeStep?.(slot.index, res);
    if (res.prefillTokens > 0 || res.decodeSeqs > 0 || res.progress.length > 0) this.progressed();
    this.queue.push(end, this.endEvents[slot.index]);
  }

  private endStep(slot: EngineSlot): void {
    const res = slot.takeEnded();
    if (res.progress.length > 0) this.progressed();
    this.preemptions += res.preempted.length;
    if (res.events.length > 0) {
      this.bestCase.stored(res.events);
      // P/D: only the prefill workers' events reach the (prefill) router; the decode router ignores overlap.
      const routed = this.prefillCount === 0 || slot.index < this.prefillCount;
      if (routed && this.kvLink) this.publish(slot, res.events);
      else if (routed && this.applyKvEvents) this.router.applyEvents(slot.index, res.events);
    }
    const progress = res.progress;
    for (let i = 0; i < progress.length; i++) this.deliver(slot, progress[i]);
    if (slot.engine.hasWork()) this.startStep(slot);
    else slot.busy = false;
  }

  private deliver(slot: EngineSlot, p: RequestProgress): void {
    if (this.speculative.size > 0 && this.speculative.has(p.id)) {
      if (p.finished) this.speculative.delete(p.id);
      return;
    }
    const r = this.inFlight.get(p.id);
    if (r === undefined) throw new Error(`virtual cluster: ${slot.name} emitted tokens for unknown request ${p.id}`);
    const now = this.nowMs;
    const n = p.tokens.length;
    const decoding = this.decodeRouter !== null;
    if (decoding && slot.index < this.prefillCount) return this.prefilled(slot, r, p);
    const router = this.decodeRouter ?? this.router;
    if (p.first) router.firstToken(p.id, now);
    // P/D: the prompt's cache hits are the prefill worker's.
    r.deliver(n, now, decoding ? this.handoffs.get(p.id)?.cachedTokens : p.cachedTokens);
    if (decoding && p.first) this.handoffs.delete(p.id);
    if (p.cpuCachedTokens !== undefined && p.first) r.tierCachedTokens(p.cpuCachedTokens, p.diskCachedTokens ?? 0);
    if (n > 0) router.outputTokens(p.id, n);
    if (!p.finished) return;
    router.finish(p.id);
    this.inFlight.delete(p.id);
    const c = this.conversations[r.conv];
    const answer = r.output!.slice(r.reasoningCount);
    if (!r.warmup) {
      this.emit(r.toRecord(c.id, now, slot.name, this.runStartMs, c.script.tags));
      this.bestCase.count(r.promptTokens, Math.max(this.bestHits.get(p.id) ?? 0, r.cachedTokens ?? 0));
      this.bestHits.delete(p.id);
    }
    if (r.messages !== null) this.speculativePrefill(slot, [...r.messages, answerMessage(answer)]);
    c.complete(r.turn, answer);
    this.schedule.turnDone(r.conv, true, now, r.warmup);
  }

  /**
   * P/D: request `r` finished its prefill on `slot`: the prefill router forgets it, the decode router
   * picks a decode worker, which pulls the KV and decodes. A decode worker that refuses it fails it.
   */
  private prefilled(slot: EngineSlot, r: InFlightRequest, p: RequestProgress): void {
    if (!p.finished) throw new Error(`virtual cluster: prefill worker ${slot.name} emitted more than one token for ${p.id}`);
    const now = this.nowMs;
    this.router.firstToken(p.id, now);
    this.router.finish(p.id);
    const h = this.handoffs.get(p.id)!;
    h.cachedTokens = p.cachedTokens;
    const { prompt } = h;
    const { decision } = this.decodeRouter!.route(p.id, prompt.hashes, prompt.length, now);
    const c = this.conversations[r.conv];
    const fail = (worker: string | null, status: number, message: string): void => {
      this.inFlight.delete(p.id);
      this.handoffs.delete(p.id);
      this.bestHits.delete(p.id);
      this.fail(c, r.turn, worker, status, message, r.warmup, r.sentAtMs);
    };
    if (decision.worker === null) {
      const err = makeError('no_workers');
      return fail(null, err.status, err.message);
    }
    const d = this.slots[this.prefillCount + decision.worker];
    try {
      const turn = c.turn(r.turn);
      d.engine.add({
        id: p.id,
        prompt: prompt.tokens,
        promptHashes: prompt.hashes,
        output: r.output!,
        remotePrefill: true,
        ...(prompt.hashOnly ? { promptLength: prompt.length } : {}),
        arrivalMs: now,
        ...(turn.extraBody ? requestPriority(turn.extraBody) : {}),
      });
    } catch (err) {
      this.decodeRouter!.finish(p.id);
      if (err instanceof RangeError) return fail(d.name, 400, err.message);
      throw err;
    }
    if (!r.warmup) d.requests++;
    this.kick(d);
  }

  /** A step's batch leaves `slot` on the delayed/lossy link (copied: the engine reuses its lists). */
  private publish(slot: EngineSlot, events: readonly KvEvent[]): void {
    const link = this.kvLink!;
    const { seq, lost } = link.publish(slot.index);
    if (lost) return;
    this.queue.push(this.nowMs + link.settings.delayMs, { kind: KV_BATCH, worker: slot.index, seq, events: events.slice() });
  }

  private kvBatchArrives(worker: number, seq: number, events: readonly KvEvent[]): void {
    const link = this.kvLink!;
    const what = link.arrive(worker, seq);
    if (what === 'apply') {
      this.router.applyEvents(worker, events);
      return;
    }
    if (what === 'skip') return;
    // A gap: forget the worker, ask for its cache; the snapshot travels back with the event delay.
    this.router.resetWorker(worker);
    const engine = this.slots[worker].engine;
    if (!engine.cachedBlockHashes) throw new RangeError('virtual cluster: KV-event resync needs engines that expose their cache (cachedBlockHashes)');
    this.queue.push(this.nowMs + link.settings.delayMs, { kind: KV_SNAPSHOT, worker, seq: link.publishedSeq(worker), hashes: [...engine.cachedBlockHashes()] });
  }

  private speculativePrefill(slot: EngineSlot, messages: TemplateMessage[]): void {
    const prompt = builtPrompt(this.prompts, messages, this.limits.blockSize, this.hashOnlyPrompts);
    this.router.recordCached(slot.index, prompt.hashes, this.nowMs);
    const id = `spec/${this.nextSpecId++}`;
    this.specSent++;
    try {
      slot.engine.add({ id, prompt: prompt.tokens, promptHashes: prompt.hashes, output: SPEC_OUTPUT, ...(prompt.hashOnly ? { promptLength: prompt.length } : {}) });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      this.specRejected++;
      return;
    }
    this.speculative.add(id);
    this.kick(slot);
  }

  private result(): VirtualRunResult {
    let steps = 0;
    for (const s of this.slots) steps += s.steps;
    return {
      records: this.records,
      durationMs: Math.max(0, this.lastActivityMs - this.runStartMs),
      stats: {
        events: this.events,
        steps,
        speculativePrefills: this.specSent,
        speculativeRejected: this.specRejected,
        preemptions: this.preemptions,
        warmupRequests: this.warmupSent,
        perWorker: this.slots.map((s) => ({ worker: s.name, requests: s.requests, steps: s.steps, preemptions: s.engine.stats().preemptions })),
        bestCaseHitRatio: this.bestCase.ratio(),
        ...(this.kvLink ? { kvEvents: { ...this.kvLink.stats } } : {}),
      },
    };
  }
}
