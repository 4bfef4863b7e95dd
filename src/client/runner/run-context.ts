/**
 * The shared state of one run that every schedule (closed, open, clients) drives: conversation
 * histories, the stop switch (abort or early stop: no new sends), the cancel switch for in-flight
 * requests, and `execute`, which sends one turn and turns its answer into a BenchRecord.
 */
import { setMaxListeners } from 'node:events';
import type { Rng } from '../../core/rng.ts';
import { createRng } from '../../core/rng.ts';
import type { Workload } from '../workloads/types.ts';
import type { Clock } from './clock.ts';
import { realClock } from './clock.ts';
import { ConversationState } from './history.ts';
import type { BenchRecord, RunWorkloadOptions, SendTurn, TurnDetail, TurnResult } from './types.ts';

export interface ExecuteOptions {
  lateMs?: number | null;
  warmup?: boolean;
}

export interface Executed {
  result: TurnResult;
  /** Null for warmup turns and for requests cancelled by the runner. */
  record: BenchRecord | null;
}

export class RunContext {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly states: ConversationState[];
  readonly records: BenchRecord[] = [];
  /** Aborted when no new request may be sent (abort signal or early stop). */
  private readonly stopCtl = new AbortController();
  /** Aborted to cancel the requests still in flight. */
  private readonly cancelCtl = new AbortController();
  private readonly send: SendTurn;
  private readonly opts: RunWorkloadOptions;
  startMs: number;
  cancelledInFlight = 0;
  warmupRequests = 0;
  warmupFailed = 0;

  constructor(readonly workload: Workload, opts: RunWorkloadOptions) {
    this.opts = opts;
    this.send = opts.send;
    this.clock = opts.clock ?? realClock;
    this.rng = opts.rng ?? createRng('runner');
    this.states = workload.scripts.map((s) => new ConversationState(s));
    this.startMs = this.clock.now();
    // Every in-flight request and sleep listens to these: no listener cap.
    setMaxListeners(0, this.stopCtl.signal, this.cancelCtl.signal);
  }

  /** Signal that ends sleeps when the run must stop sending. */
  get stopSignal(): AbortSignal {
    return this.stopCtl.signal;
  }

  get stopped(): boolean {
    return this.stopCtl.signal.aborted;
  }

  stop(): void {
    this.stopCtl.abort();
  }

  cancelInFlight(): void {
    this.cancelCtl.abort();
  }

  get cancelled(): boolean {
    return this.cancelCtl.signal.aborted;
  }

  sleep(ms: number): Promise<void> {
    return this.clock.sleep(ms, this.stopCtl.signal);
  }

  /** Send turn `turnIndex` (0-based) of script `scriptIndex` and record it. Returns null when stopped. */
  async execute(scriptIndex: number, turnIndex: number, eo: ExecuteOptions = {}): Promise<Executed | null> {
    if (this.stopped) return null;
    const state = this.states[scriptIndex];
    const script = state.script;
    const turn = script.turns[turnIndex];
    const request = {
      conversationId: script.id,
      scriptIndex,
      turn: turnIndex + 1,
      messages: state.messagesFor(turnIndex),
      maxTokens: turn.maxTokens,
      ignoreEos: turn.ignoreEos,
      extraBody: turn.extraBody,
      signal: this.cancelCtl.signal,
    };
    const calledAt = this.clock.now();
    let result: TurnResult;
    try {
      result = await this.send(request);
    } catch (err) {
      // A send function must not throw; if one does, the turn is a failure, not a crashed run.
      result = failedResult(calledAt, err instanceof Error ? err.message : String(err), this.clock.now());
    }
    if (result.ok) state.answers[turnIndex] = result.content;
    const detail: TurnDetail = { request, result, warmup: eo.warmup ?? false };
    if (!result.ok && result.failure === 'aborted' && this.cancelled) {
      this.cancelledInFlight++;
      return { result, record: null };
    }
    if (eo.warmup) {
      this.warmupRequests++;
      if (!result.ok) this.warmupFailed++;
      this.opts.onWarmup?.(detail);
      return { result, record: null };
    }
    const record = toRecord(result, script.id, turnIndex + 1, this.startMs, eo.lateMs ?? null, this.opts.label ?? null, script.tags);
    this.records.push(record);
    this.opts.onRecord?.(record, detail);
    return { result, record };
  }
}

function failedResult(sentAtMs: number, message: string, nowMs: number): TurnResult {
  return {
    ok: false,
    status: null,
    error: message,
    failure: 'other',
    sentAtMs,
    ttftMs: null,
    ttfatMs: null,
    e2eMs: nowMs - sentAtMs,
    tpotMs: null,
    itlMs: [],
    inputTokens: null,
    outputTokens: null,
    cachedTokens: null,
    worker: null,
    content: '',
    reasoning: '',
    retries: 0,
  };
}

/**
 * Client TTFT − engine TTFT (core/records `servingOverheadMs`); null unless a successful answer carried
 * both, and null for a retried request (its TTFT holds the failed attempts and the backoff, which are
 * not the serving path's).
 */
export function servingOverheadOf(r: TurnResult): number | null {
  if (!r.ok || r.retries > 0 || r.ttftMs === null || r.engineTtftMs === null || r.engineTtftMs === undefined) return null;
  return r.ttftMs - r.engineTtftMs;
}

export function toRecord(
  r: TurnResult,
  conversationId: string,
  turn: number,
  runStartMs: number,
  lateMs: number | null,
  label: string | null,
  tags: Record<string, string | number | boolean> | undefined,
): BenchRecord {
  const rec: BenchRecord = {
    conversationId,
    turn,
    sentAtMs: r.sentAtMs - runStartMs,
    ttftMs: r.ttftMs,
    ttfatMs: r.ttfatMs,
    e2eMs: r.e2eMs,
    servingOverheadMs: servingOverheadOf(r),
    tpotMs: r.tpotMs,
    itlMs: r.itlMs,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cachedTokens: r.cachedTokens,
    worker: r.worker,
    ok: r.ok,
    error: r.error,
    status: r.status,
    label,
    retries: r.retries,
    attempts: r.retries + 1,
    lateMs,
  };
  if (r.cpuCachedTokens !== undefined) {
    rec.cpuCachedTokens = r.cpuCachedTokens;
    rec.diskCachedTokens = r.diskCachedTokens ?? 0;
  }
  if (tags) rec.tags = { ...tags };
  return rec;
}
