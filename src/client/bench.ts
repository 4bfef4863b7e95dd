/**
 * `runBench`: the library entry of `kvlab bench`. Runs a built Workload against one or more
 * OpenAI-compatible URLs (conversations split round-robin over them), streams each record to
 * requests.jsonl as it completes, and returns the run file (summary, per-turn table, thresholds,
 * goodput, ...) that it also writes as run.json. Validates thresholds and SLOs before sending anything.
 * Before measuring, in order: the model and its max-model-len from GET /v1/models (a warning when
 * requests of known length exceed it), `warmupRequests` unmeasured requests (runner/warmup.ts; by
 * default the workload's own warm-up, when it has one), and
 * with `resetCache` a prefix-cache reset of every target URL (http/server-admin.ts) — so a run
 * starts from a cold cache whatever ran before it. On abort it stops sending, lets in-flight requests
 * finish for a grace period, and still writes run.json from what finished.
 */
import type { ModelTokenizer } from '../core/tokenizers/model-tokenizer.ts';
import { createRng } from '../core/rng.ts';
import { parseSlos } from '../core/goodput.ts';
import type { Workload } from './workloads/types.ts';
import { createAgent, createTransport, type ModelCard, type Transport } from './http/transport.ts';
import { buildHeaders } from './http/headers.ts';
import { realClock, type Clock } from './runner/clock.ts';
import { runWorkload } from './runner/run-workload.ts';
import { runWarmup, type WarmupOutcome } from './runner/warmup.ts';
import { checkLengths, fitsContext, hasKnownLengths, lengthWarning } from './workloads/length-check.ts';
import type { BenchRecord, SendTurn, TurnDetail } from './runner/types.ts';
import type { ChatMessage } from './runner/history.ts';
import { parseThreshold } from './report/thresholds.ts';
import { buildRunFile, type BenchRunFile } from './report/run-file.ts';
import { DEFAULT_MAX_FAILED_SHARE } from './report/failures.ts';
import { RunFolder } from './output/run-folder.ts';

export type Endpoint = 'chat' | 'completions';

export interface BenchOptions {
  /** Command name for run.json, e.g. 'bench multiturn'. */
  command: string;
  workload: Workload;
  urls: string[];
  /** Served model; when absent, the first model of GET /v1/models on the first URL. */
  model?: string | null;
  endpoint?: Endpoint;
  apiKey?: string | null;
  /** Extra headers as `Name: value`. */
  headers?: string[];
  /** Per-request timeout, ms (0: none). */
  timeoutMs?: number;
  maxRetries?: number;
  stream?: boolean;
  outputDir?: string | null;
  label?: string | null;
  /** k6-style thresholds, e.g. `ttft_ms:p95<500`. */
  thresholds?: string[];
  /** SLOs for goodput, e.g. `ttft_ms:500,tpot_ms:50`. */
  goodput?: string | null;
  seed?: number;
  signal?: AbortSignal;
  abortGraceMs?: number;
  /** Extra resolved flags written into run.json's config. */
  config?: Record<string, unknown>;
  /** The served model's tokenizer, for token counts the server's usage leaves out (`--tokenizer`). */
  tokenizer?: ModelTokenizer;
  /** Unmeasured requests sent before the run (runner/warmup.ts; default: the workload's own plan's count, else 0). */
  warmupRequests?: number;
  /** Reset every target's prefix cache before measuring, after any warm-up (default false). */
  resetCache?: boolean;
  /** What the run does or finds before measuring (warm-up, reset, length warnings), one line each. */
  onNote?: (message: string) => void;
  /** The share of failed requests the run accepts (report/failures.ts; default 5 %). */
  maxFailedShare?: number;
  /** Called as each measured request completes (progress, verbose printing). */
  onRecord?: (record: BenchRecord, detail: TurnDetail) => void;
  onWarmup?: (detail: TurnDetail) => void;
  /** Called once the model is known and before the first request. */
  onStart?: (info: { model: string; urls: string[]; expectedRequests: number }) => void;
  clock?: Clock;
}

export interface BenchResult {
  run: BenchRunFile;
  records: BenchRecord[];
  /** Each conversation as sent, with the real answers (built on demand). */
  transcripts(): { id: string; messages: ChatMessage[] }[];
  outputDir: string | null;
  model: string;
  thresholdsFailed: boolean;
  interrupted: boolean;
}

/** Requests a workload will send if every conversation runs to its end. */
export function expectedRequests(w: Workload): number {
  return w.scripts.reduce((n, s) => n + s.turns.length, 0);
}

function promptOf(messages: readonly ChatMessage[]): string {
  return messages.map((m) => m.content).join('\n\n');
}

/** First model id served at `url` (one-line error when there is none). */
export async function resolveModel(transport: Transport, signal?: AbortSignal): Promise<string> {
  return (await resolveModelCard(transport, null, signal)).id;
}

/**
 * The served model's card: the first of GET /v1/models when `model` is null (an error when there is
 * none), else that model's card — or, when the server does not list it or cannot be asked, a card
 * without max-model-len (the run then goes ahead without the length check).
 */
export async function resolveModelCard(transport: Transport, model: string | null, signal?: AbortSignal): Promise<ModelCard> {
  if (model === null) {
    const cards = await transport.listModels(signal);
    if (cards.length === 0) throw new Error(`${transport.baseUrl}/models lists no model: pass --model`);
    return cards[0];
  }
  try {
    return (await transport.listModels(signal)).find((c) => c.id === model) ?? { id: model, maxModelLen: null };
  } catch {
    return { id: model, maxModelLen: null };
  }
}

/** Both warm-up phases (the workload's own warmup step, and `warmupRequests`) as one. */
function mergeWarmups(a: WarmupOutcome | null, b: WarmupOutcome | null): WarmupOutcome | null {
  if (!a || a.requests === 0) return b && b.requests > 0 ? b : null;
  if (!b || b.requests === 0) return a;
  return { requests: a.requests + b.requests, failed: a.failed + b.failed, durationMs: a.durationMs + b.durationMs };
}

export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  if (opts.urls.length === 0) throw new Error('no target URL');
  const thresholds = (opts.thresholds ?? []).map(parseThreshold);
  const slos = opts.goodput ? parseSlos(opts.goodput) : null;
  const headers = buildHeaders(opts.apiKey ?? null, opts.headers ?? []);
  const clock = opts.clock ?? realClock;
  const seed = opts.seed ?? 0;
  const rng = createRng(seed);
  const agent = createAgent();
  const transports = opts.urls.map((url, i) =>
    createTransport({
      baseUrl: url,
      headers,
      timeoutMs: opts.timeoutMs,
      maxRetries: opts.maxRetries,
      stream: opts.stream ?? true,
      rng: rng.fork(`retry-${i}`),
      now: () => clock.now(),
      dispatcher: agent,
      tokenizer: opts.tokenizer,
    }),
  );
  let folder: RunFolder | null = null;
  try {
    const note = opts.onNote ?? (() => {});
    // Warnings are also written into run.json (and shown with the summary).
    const warnings: string[] = [];
    const warn = (message: string): void => {
      warnings.push(message);
      note(`warning: ${message}`);
    };
    // The card is only needed for the model's name, or to check lengths the workload knows.
    const card: ModelCard =
      opts.model && !hasKnownLengths(opts.workload) ? { id: opts.model, maxModelLen: null } : await resolveModelCard(transports[0], opts.model ?? null, opts.signal);
    const model = card.id;
    if (card.maxModelLen !== null) {
      const warning = lengthWarning(checkLengths(opts.workload, card.maxModelLen));
      if (warning) warn(warning);
    }
    const endpoint = opts.endpoint ?? 'chat';
    const send: SendTurn = (req) => {
      const t = transports[req.scriptIndex % transports.length];
      const base = { model, maxTokens: req.maxTokens, ignoreEos: req.ignoreEos, extraBody: req.extraBody, signal: req.signal };
      return endpoint === 'chat' ? t.sendChat({ ...base, messages: req.messages }) : t.sendCompletion({ ...base, prompt: promptOf(req.messages) });
    };
    const warmupRequests = opts.warmupRequests ?? opts.workload.warmup?.requests ?? 0;
    let warmup: WarmupOutcome | null = null;
    if (warmupRequests > 0 && !opts.signal?.aborted) {
      note(`warming up: ${warmupRequests} requests, not measured`);
      const limit = card.maxModelLen;
      warmup = await runWarmup(opts.workload, warmupRequests, send, clock, opts.signal, (t) => limit === null || fitsContext(t, limit));
      // Requests an abort cancelled did not fail.
      if (warmup.failed > 0 && !opts.signal?.aborted) warn(`${warmup.failed} of ${warmup.requests} warm-up requests failed`);
    }
    if (opts.resetCache && !opts.signal?.aborted) {
      // One reset per distinct server (several --url may name the same one).
      const seen = new Set<string>();
      for (const t of transports) {
        if (seen.has(t.baseUrl)) continue;
        seen.add(t.baseUrl);
        await t.resetPrefixCache(opts.signal);
      }
      note(`prefix cache reset on ${[...seen].map((u) => u.replace(/\/v1$/, '')).join(', ')}`);
    }
    folder = opts.outputDir ? RunFolder.open(opts.outputDir) : null;
    const startedAt = new Date().toISOString();
    opts.onStart?.({ model, urls: opts.urls, expectedRequests: expectedRequests(opts.workload) });
    const outcome = await runWorkload(opts.workload, {
      send,
      clock,
      signal: opts.signal,
      abortGraceMs: opts.abortGraceMs,
      rng: rng.fork('runner'),
      label: opts.label ?? null,
      onRecord: (record, detail) => {
        folder?.append(record);
        opts.onRecord?.(record, detail);
      },
      onWarmup: opts.onWarmup,
    });
    const target = opts.urls.length === 1 ? opts.urls[0] : [...opts.urls];
    const run = buildRunFile(outcome.records, {
      command: opts.command,
      label: opts.label ?? null,
      config: {
        workload: opts.workload.name,
        params: opts.workload.params,
        schedule: opts.workload.schedule,
        model,
        endpoint,
        urls: [...opts.urls],
        stream: opts.stream ?? true,
        timeoutMs: opts.timeoutMs ?? null,
        maxRetries: opts.maxRetries ?? 0,
        seed,
        thresholds: opts.thresholds ?? [],
        goodput: opts.goodput ?? null,
        headers: Object.keys(headers),
        warmupRequests,
        resetCache: opts.resetCache ?? false,
        serverMaxModelLen: card.maxModelLen,
        maxFailedShare: opts.maxFailedShare ?? DEFAULT_MAX_FAILED_SHARE,
        ...(opts.config ?? {}),
      },
      target,
      startedAt,
      durationS: Math.max(0, outcome.endMs - outcome.startMs) / 1000,
      thresholds,
      slos,
      warmup: mergeWarmups(outcome.warmup, warmup),
      interrupted: outcome.interrupted,
      cancelledInFlight: outcome.cancelledInFlight,
      maxFailedShare: opts.maxFailedShare,
      warnings,
    });
    folder?.writeRunFile(run);
    return {
      run,
      records: outcome.records,
      transcripts: outcome.transcripts,
      outputDir: opts.outputDir ?? null,
      model,
      thresholdsFailed: run.thresholds.some((t) => !t.ok),
      interrupted: outcome.interrupted,
    };
  } finally {
    folder?.close();
    await agent.close();
  }
}
