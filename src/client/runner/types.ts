/**
 * What a runner needs from the outside (a way to send one turn, a clock) and what it produces: one
 * `BenchRecord` per request, the results contract's RequestRecord plus client-only fields.
 */
import type { RequestRecord } from '../../core/records.ts';
import type { Rng } from '../../core/rng.ts';
import type { Clock } from './clock.ts';
import type { ChatMessage } from './history.ts';

export interface TurnRequest {
  conversationId: string;
  /** Index of the script in the workload (used to pick a target URL). */
  scriptIndex: number;
  /** 1-based turn number. */
  turn: number;
  messages: ChatMessage[];
  maxTokens: number;
  ignoreEos: boolean;
  extraBody?: Record<string, unknown>;
  signal: AbortSignal;
}

/** The answer to one turn; the transport's SendResult has this shape. */
export interface TurnResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  /** 'aborted' marks a request the runner cancelled (dropped from the results). */
  failure: string | null;
  /** When the request (its first attempt) was sent, on the runner's clock: retries and backoff are in its times. */
  sentAtMs: number;
  ttftMs: number | null;
  ttfatMs: number | null;
  /** The server's own TTFT (its `nvext.timing`), when the answer carried it. */
  engineTtftMs?: number | null;
  e2eMs: number | null;
  tpotMs: number | null;
  itlMs: number[];
  inputTokens: number | null;
  outputTokens: number | null;
  cachedTokens: number | null;
  /** Of cachedTokens, from the engine's CPU / disk offload tier (engines that report it). */
  cpuCachedTokens?: number;
  diskCachedTokens?: number;
  worker: string | null;
  content: string;
  reasoning: string;
  retries: number;
}

export type SendTurn = (req: TurnRequest) => Promise<TurnResult>;

export interface BenchRecord extends RequestRecord {
  /** Retries the transport made (connection errors, 429, 5xx). */
  retries: number;
  /** Attempts the request took (retries + 1); its TTFT and E2E count from the first one. */
  attempts: number;
  /** Open loop: how late the send was against its scheduled time, ms (null in closed loops). */
  lateMs: number | null;
}

export interface TurnDetail {
  request: TurnRequest;
  result: TurnResult;
  warmup: boolean;
}

export interface RunWorkloadOptions {
  send: SendTurn;
  clock?: Clock;
  /** Abort: stop sending, give in-flight requests `abortGraceMs`, then cancel them. */
  signal?: AbortSignal;
  abortGraceMs?: number;
  /** Called as each measured request completes (warmup requests excluded). */
  onRecord?: (record: BenchRecord, detail: TurnDetail) => void;
  /** Called for warmup requests. */
  onWarmup?: (detail: TurnDetail) => void;
  /** Seeded randomness for sampling and pacing (clients schedule). */
  rng?: Rng;
  label?: string | null;
}

export interface RunOutcome {
  records: BenchRecord[];
  /** Clock readings of the measured phase. */
  startMs: number;
  endMs: number;
  warmup: { requests: number; failed: number; durationMs: number } | null;
  /** Each conversation as sent, with its real answers (built on demand: scripts may hold lazy text). */
  transcripts(): { id: string; messages: ChatMessage[] }[];
  interrupted: boolean;
  /** In-flight requests cancelled after the abort grace period (not in `records`). */
  cancelledInFlight: number;
}
