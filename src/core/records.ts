/**
 * The results contract (docs/DESIGN.md "Results contract"): one `RequestRecord` per request, written as a
 * line of requests.jsonl by every runner (real HTTP client and virtual cluster alike), and the
 * `RunFile` written as run.json. Field names are the closed, unit-suffixed vocabulary used in plots.
 */

export const SCHEMA_VERSION = 1;

export interface RequestRecord {
  conversationId: string;
  /** 1-based turn number within the conversation (1 for single-turn workloads). */
  turn: number;
  /** When the request was sent, ms since the run started. */
  sentAtMs: number;
  /** Time to the first token of any kind (reasoning included); null when none arrived. */
  ttftMs: number | null;
  /** Time to the first answer (non-reasoning) token; null when not applicable. */
  ttfatMs?: number | null;
  e2eMs: number | null;
  /** (E2E − TTFT) / (output tokens − 1); null with fewer than 2 output tokens. */
  tpotMs: number | null;
  /** Gaps between successive content chunks, ms. */
  itlMs?: number[];
  inputTokens: number | null;
  outputTokens: number | null;
  cachedTokens: number | null;
  /**
   * Of cachedTokens, those the engine loaded back from its CPU / disk KV offload tier (the rest were on
   * GPU). Only from engines with offload tiers (kvlab's `nvext.cached_tokens_by_medium`).
   */
  cpuCachedTokens?: number | null;
  diskCachedTokens?: number | null;
  worker: string | null;
  ok: boolean;
  error: string | null;
  /** HTTP status when the server answered, else null. */
  status?: number | null;
  /**
   * Client TTFT − the engine's own TTFT (its `nvext.timing`: first_token_ms − arrival_ms), ms: what
   * the client, the network, the router and the server's HTTP path add before the first token. Null
   * when the answer carried no engine timing (a target that does not send it, a failed or non-streamed
   * request) and in virtual time (no serving path: see core/serving-check).
   */
  servingOverheadMs?: number | null;
  /** Open loop: how late the send was against its scheduled time, ms (null in closed loops). */
  lateMs?: number | null;
  label?: string | null;
  /** Workload-specific tags (document type, prefix group, ratio, ...). */
  tags?: Record<string, string | number | boolean>;
}

/** The tag naming a request's priority class (client/workloads/priority-class.ts). */
export const PRIORITY_CLASS_TAG = 'priorityClass';

/** Order statistics of one metric (ms). */
export interface Dist {
  mean: number | null;
  std: number | null;
  min: number | null;
  p25: number | null;
  p50: number | null;
  p75: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  count: number;
}

export interface Summary {
  requests: number;
  succeeded: number;
  failed: number;
  durationS: number;
  requestsPerS: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  outputTokensPerS: number;
  /** cachedTokens / inputTokens over requests that report both; null when none do. */
  cacheHitRatio: number | null;
  ttftMs: Dist;
  ttfatMs: Dist;
  e2eMs: Dist;
  tpotMs: Dist;
  itlMs: Dist;
  /** Per request: client TTFT − engine TTFT, over the requests that carried the engine's timing. */
  servingOverheadMs: Dist;
  /** Mean serving overhead / mean TTFT of the same requests; null when none carried engine timing. */
  servingOverheadShare: number | null;
  /** Open loop: lateness of the sends against their schedule (count 0 in closed loops). */
  sendLateMs: Dist;
  errors: Record<string, number>;
  /**
   * Engines with KV offload tiers only: the share of input tokens loaded back from the CPU / disk tier
   * (part of cacheHitRatio; the rest of it was on GPU).
   */
  cpuHitRatio?: number;
  diskHitRatio?: number;
  /** Workloads with a priority class only: TTFT of the successful requests of each class (tag PRIORITY_CLASS_TAG). */
  ttftMsByClass?: Record<string, Dist>;
}

export interface TurnSummary {
  turn: number;
  count: number;
  failed: number;
  ttftMs: Dist;
  e2eMs: Dist;
  cachedTokens: number;
  inputTokens: number;
}

export interface RunFile {
  schemaVersion: number;
  tool: 'kvlab';
  command: string;
  label: string | null;
  config: Record<string, unknown>;
  target: string | string[];
  startedAt: string;
  durationS: number;
  summary: Summary;
  perTurn: TurnSummary[];
  /** Anything a command adds (thresholds, goodput, per-document-type tables, ...). */
  [extra: string]: unknown;
}
