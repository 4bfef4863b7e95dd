/**
 * One client request in flight in virtual time, and the record it becomes. It owns the metric
 * definitions the real client uses (client/http/response-timing.ts), applied to the engine's token
 * deliveries: TTFT = first token of any kind, TTFAT = first answer (non-thinking) token, ITL = gaps
 * between successive token deliveries (one token per engine step, as the mocker streams one chunk per
 * token), E2E = send to last token, TPOT = (E2E − TTFT) / (tokens − 1).
 */
import type { TemplateMessage } from './prompt-builder.ts';
import type { RequestRecord } from '../../core/records.ts';

export class InFlightRequest {
  firstAtMs: number | null = null;
  firstAnswerAtMs: number | null = null;
  lastTokenAtMs: number | null = null;
  emitted = 0;
  cachedTokens: number | null = null;
  /** Of cachedTokens, those the engine loaded back from its CPU / disk offload tier (null without tiers). */
  cpuCachedTokens: number | null = null;
  diskCachedTokens: number | null = null;
  readonly itlMs: number[] = [];
  /** Every output token (thinking first): the answer goes into the conversation's history. */
  output: readonly number[] | null = null;
  /** The messages sent, kept only when a speculative prefill will extend them with the answer. */
  messages: TemplateMessage[] | null = null;

  constructor(
    readonly id: string,
    readonly conv: number,
    /** 0-based turn. */
    readonly turn: number,
    readonly worker: number,
    readonly sentAtMs: number,
    readonly promptTokens: number,
    readonly outputTokens: number,
    readonly reasoningCount: number,
    /** Not measured (clients-schedule warmup). */
    readonly warmup: boolean,
  ) {}

  /** `n` tokens delivered at `atMs` (the end of an engine step). */
  deliver(n: number, atMs: number, cachedTokens: number | undefined): void {
    if (n <= 0) return;
    if (this.firstAtMs === null) {
      this.firstAtMs = atMs;
      if (cachedTokens !== undefined) this.cachedTokens = cachedTokens;
    }
    if (this.firstAnswerAtMs === null && this.emitted + n > this.reasoningCount) this.firstAnswerAtMs = atMs;
    if (this.lastTokenAtMs !== null) this.itlMs.push(atMs - this.lastTokenAtMs);
    this.lastTokenAtMs = atMs;
    this.emitted += n;
  }

  /** The engine's per-tier split of the cached tokens (engines with offload tiers, on the first token). */
  tierCachedTokens(cpu: number, disk: number): void {
    this.cpuCachedTokens = cpu;
    this.diskCachedTokens = disk;
  }

  /** The results-contract record of the finished request; times relative to `runStartMs`. */
  toRecord(conversationId: string, finishedAtMs: number, workerName: string, runStartMs: number, tags: RequestRecord['tags']): RequestRecord {
    const ttft = this.firstAtMs === null ? null : this.firstAtMs - this.sentAtMs;
    const e2e = finishedAtMs - this.sentAtMs;
    const rec: RequestRecord = {
      conversationId,
      turn: this.turn + 1,
      sentAtMs: this.sentAtMs - runStartMs,
      ttftMs: ttft,
      ttfatMs: this.firstAnswerAtMs === null ? null : this.firstAnswerAtMs - this.sentAtMs,
      e2eMs: e2e,
      tpotMs: ttft !== null && this.emitted >= 2 ? (e2e - ttft) / (this.emitted - 1) : null,
      itlMs: this.itlMs,
      inputTokens: this.promptTokens,
      outputTokens: this.emitted,
      cachedTokens: this.cachedTokens ?? 0,
      worker: workerName,
      ok: true,
      error: null,
      status: null,
      label: null,
    };
    if (this.cpuCachedTokens !== null) {
      rec.cpuCachedTokens = this.cpuCachedTokens;
      rec.diskCachedTokens = this.diskCachedTokens ?? 0;
    }
    if (tags) rec.tags = { ...tags };
    return rec;
  }
}

/** The record of a request refused before any token (the HTTP error the server would answer). */
export function failedRecord(
  conversationId: string,
  turn: number,
  sentAtMs: number,
  workerName: string | null,
  status: number,
  error: string,
  tags: RequestRecord['tags'],
): RequestRecord {
  const rec: RequestRecord = {
    conversationId,
    turn: turn + 1,
    sentAtMs,
    ttftMs: null,
    ttfatMs: null,
    e2eMs: 0,
    tpotMs: null,
    itlMs: [],
    inputTokens: null,
    outputTokens: null,
    cachedTokens: null,
    worker: workerName,
    ok: false,
    error,
    status,
    label: null,
  };
  if (tags) rec.tags = { ...tags };
  return rec;
}
