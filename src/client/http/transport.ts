/**
 * The HTTP transport of the benchmark client: sends one chat or completion request to an
 * OpenAI-compatible endpoint over a pooled agent (never the global fetch; `createAgent`: the client's
 * own HTTP/1.1 connections for plain-HTTP POSTs, client-agent.ts, undici for the rest), streaming by default
 * with `stream_options.include_usage`, and turns the answer into a `SendResult` (timings on the
 * caller's clock, tokens, cached tokens, serving worker, error). Each attempt runs on undici's
 * dispatch callbacks (attempt.ts); the request headers and paths are built once per transport, the
 * body serialised once per request (json-body.ts: a generated prompt is written from its token ids),
 * and the attempts' timeouts share one timer (deadlines.ts). Retries connection errors, 429 and 5xx
 * with seeded exponential backoff
 * (retry-policy.ts). A retried request keeps its first send time: its TTFT and E2E count from the
 * first attempt, failed attempts and backoff included (what the user waited), and `retries` says how
 * many attempts it took (its record's `attempts` = retries + 1).
 *
 * Tokens come from the server's usage when given, else from the local tokenizer (core/tokenizer,
 * core/chat-template): an approximation whenever the served model's tokenizer differs.
 */
import { Agent, type Dispatcher } from 'undici';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Rng } from '../../core/rng.ts';
import { createRng } from '../../core/rng.ts';
import type { ModelTokenizer } from '../../core/tokenizers/model-tokenizer.ts';
import type { ChatMessageLike } from '../../core/chat-template.ts';
import type { TurnResult } from '../runner/types.ts';
import { AttemptError, runAttempt, type AttemptOutcome, type FailureKind } from './attempt.ts';
import { BodyBuffers } from './body-buffers.ts';
import { ClientAgent } from './client-agent.ts';
import { Deadlines } from './deadlines.ts';
import { encodeJsonBody } from './json-body.ts';
import { readClock } from './read-clock.ts';
import { tpotOf } from './response-timing.ts';
import { backoffDelayMs, type BackoffOptions, DEFAULT_BACKOFF } from './retry-policy.ts';
import { listModelCards, resetPrefixCache, type AdminTarget, type ModelCard } from './server-admin.ts';

export { WORKER_HEADER, type FailureKind } from './attempt.ts';
export type { ModelCard } from './server-admin.ts';

export interface TransportOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:8000 (a trailing /v1 is accepted). */
  baseUrl: string;
  headers?: Record<string, string>;
  /** Per-attempt timeout, ms (0: none). */
  timeoutMs?: number;
  maxRetries?: number;
  stream?: boolean;
  /** Jitter source for backoff. */
  rng?: Rng;
  backoff?: BackoffOptions;
  /** The clock timings are read from (default performance.now). */
  now?: () => number;
  /** Shared connection pool; the transport creates (and owns) one when absent. */
  dispatcher?: Dispatcher;
  /**
   * Counts tokens an answer's usage leaves out (`--tokenizer`: the served model's tokenizer); default
   * kvlab's o200k_base. Prompts of completions are counted without special tokens.
   */
  tokenizer?: ModelTokenizer;
}

export interface SendRequest {
  model: string;
  maxTokens: number;
  ignoreEos?: boolean;
  /** Extra body fields (nvext, min_tokens, ...), merged last. */
  extraBody?: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface ChatSendRequest extends SendRequest {
  messages: ChatMessageLike[];
}

export interface CompletionSendRequest extends SendRequest {
  prompt: string;
}

/** One answer: the runner's TurnResult (status of the final attempt, times on the transport's clock) with a typed failure and the finish reason. */
export interface SendResult extends TurnResult {
  failure: FailureKind | null;
  finishReason: string | null;
}

export interface Transport {
  readonly baseUrl: string;
  sendChat(req: ChatSendRequest): Promise<SendResult>;
  sendCompletion(req: CompletionSendRequest): Promise<SendResult>;
  /** The model cards of GET /v1/models (ids, and max_model_len where the server reports it). */
  listModels(signal?: AbortSignal): Promise<ModelCard[]>;
  /** Reset the server's prefix cache (server-admin.ts); throws when it cannot. */
  resetPrefixCache(signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/**
 * A pooled agent suited to long streams (undici's own idle timeouts off: ours is per request); its
 * streamed POSTs to http:// servers go over the client's own kept-alive connections (client-agent.ts).
 */
export function createAgent(): Agent {
  return new ClientAgent({ keepAliveTimeout: 10_000, headersTimeout: 0, bodyTimeout: 0, connections: null });
}

/** `http://h:p`, `http://h:p/`, `http://h:p/v1` → `http://h:p/v1`. */
export function apiBase(baseUrl: string): string {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    throw new Error(`invalid URL '${baseUrl}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`URL must be http(s): '${baseUrl}'`);
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.origin}${path.endsWith('/v1') ? path : `${path}/v1`}`;
}

/**
 * The local tokenizer, loaded on first use: only answers without usage need it, and its ranks are
 * tens of MB of heap that every major GC would otherwise mark (long GC pauses delay sends and reads).
 */
let localTokenizer: Promise<{ countTokens(text: string): number; chatTokens(messages: ChatMessageLike[]): number }> | null = null;

function tokenizer(): NonNullable<typeof localTokenizer> {
  localTokenizer ??= Promise.all([import('../../core/tokenizer.ts'), import('../../core/chat-template.ts')]).then(([tok, tpl]) => {
    const chat = new tpl.ChatTokenizer();
    return { countTokens: tok.countTokens, chatTokens: (messages) => chat.encodeChat(messages).length };
  });
  return localTokenizer;
}

export function createTransport(opts: TransportOptions): Transport {
  const model = opts.tokenizer;
  const counter: typeof tokenizer = model
    ? () => Promise.resolve({ countTokens: (text: string) => model.countText(text), chatTokens: (messages: ChatMessageLike[]) => model.encodeChat(messages).length })
    : tokenizer;
  const base = apiBase(opts.baseUrl);
  const { origin, pathname: basePath } = new URL(base);
  const ownAgent = opts.dispatcher ? null : createAgent();
  const dispatcher = opts.dispatcher ?? ownAgent!;
  const now = opts.now ?? (() => performance.now());
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const maxRetries = opts.maxRetries ?? 0;
  const stream = opts.stream ?? true;
  const rng = opts.rng ?? createRng('transport');
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const baseHeaders = { ...(opts.headers ?? {}) };
  // Built once: the same headers go with every request (the caller's last, so they win).
  // Memory of long bodies, reused from one request to the next (body-buffers.ts).
  const bodies = new BodyBuffers();
  const postHeaders = Object.entries({ 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json', ...baseHeaders }).flat();

  // Model cards and cache resets: at most 30 s each (less when the request timeout is shorter).
  const admin: AdminTarget = { dispatcher, apiBase: base, headers: baseHeaders, timeoutMs: timeoutMs > 0 ? Math.min(timeoutMs, 30_000) : 30_000 };

  // Reads stamped once per poll phase (read-clock.ts); per-attempt timeouts on one shared timer (deadlines.ts).
  const readNow = readClock(now);
  const deadlines = timeoutMs > 0 ? new Deadlines(timeoutMs) : null;
  const chatPath = `${basePath}/chat/completions`;
  const completionsPath = `${basePath}/completions`;

  function attempt(path: string, body: string | Buffer, startMs: number, signal: AbortSignal | undefined): Promise<AttemptOutcome> {
    return runAttempt({ dispatcher, origin, path, headers: postHeaders, body, startMs, now, readNow, timeoutMs, deadlines, signal });
  }

  async function send(
    path: string,
    body: Record<string, unknown>,
    signal: AbortSignal | undefined,
    localInputTokens: (tok: Awaited<ReturnType<typeof tokenizer>>) => number,
  ): Promise<SendResult> {
    const text = encodeJsonBody(body, (n) => bodies.take(n));
    let retries = 0;
    // The first attempt's send time is the request's: every timing counts from it.
    const startMs = now();
    for (;;) {
      try {
        const out = await attempt(path, text, startMs, signal);
        // A complete 2xx answer: the server read the whole body to make it, its memory can serve the next one.
        if (typeof text !== 'string') bodies.give(text);
        return toResult(out, startMs, retries, localInputTokens);
      } catch (e) {
        const err = e as AttemptError;
        if (err.retryable && retries < maxRetries && !signal?.aborted) {
          const wait = backoffDelayMs(retries, rng, err.retryAfterS, backoff);
          try {
            await delay(wait, undefined, { signal });
          } catch {
            // Aborted during the backoff: the retry was never sent.
            return failed(err, startMs, retries);
          }
          retries++;
          continue;
        }
        return failed(err, startMs, retries);
      }
    }
  }

  function failed(err: AttemptError, startMs: number, retries: number): SendResult {
    return {
      ok: false,
      status: err.status,
      error: err.message,
      failure: err.failure,
      sentAtMs: startMs,
      ttftMs: null,
      ttfatMs: null,
      e2eMs: err.failure === 'aborted' ? null : now() - startMs,
      tpotMs: null,
      itlMs: [],
      inputTokens: null,
      outputTokens: null,
      cachedTokens: null,
      worker: err.worker,
      content: '',
      reasoning: '',
      finishReason: null,
      retries,
    };
  }

  async function toResult(
    out: AttemptOutcome,
    startMs: number,
    retries: number,
    localInputTokens: (tok: Awaited<ReturnType<typeof tokenizer>>) => number,
  ): Promise<SendResult> {
    const t = out.timing;
    const u = t.usage;
    let error: string | null = null;
    if (t.error) error = `stream error: ${t.error.message}`;
    else if (!t.sawDone && t.finishReason === null) error = 'stream ended before [DONE]';
    const needsLocal = u?.promptTokens == null || (u.completionTokens == null && (t.content !== '' || t.reasoning !== ''));
    const tok = needsLocal ? await counter() : null;
    const outputTokens =
      u?.completionTokens ?? (tok && (t.content || t.reasoning) ? tok.countTokens(t.content) + (t.reasoning ? tok.countTokens(t.reasoning) : 0) : 0);
    return {
      ok: error === null,
      status: out.status,
      error,
      failure: error === null ? null : 'stream',
      sentAtMs: startMs,
      ttftMs: t.ttftMs,
      ttfatMs: t.ttfatMs,
      engineTtftMs: t.engineTtftMs,
      e2eMs: t.e2eMs,
      tpotMs: tpotOf(t.e2eMs, t.ttftMs, outputTokens),
      itlMs: t.itlMs,
      inputTokens: u?.promptTokens ?? localInputTokens(tok!),
      outputTokens,
      cachedTokens: u?.cachedTokens ?? null,
      ...(u?.cpuCachedTokens !== undefined ? { cpuCachedTokens: u.cpuCachedTokens, diskCachedTokens: u.diskCachedTokens } : {}),
      worker: out.worker,
      content: t.content,
      reasoning: t.reasoning,
      finishReason: t.finishReason,
      retries,
    };
  }

  function bodyOf(req: SendRequest, rest: Record<string, unknown>): Record<string, unknown> {
    const body: Record<string, unknown> = { model: req.model, ...rest, max_tokens: req.maxTokens, stream };
    if (stream) body.stream_options = { include_usage: true };
    if (req.ignoreEos) body.ignore_eos = true;
    return { ...body, ...(req.extraBody ?? {}) };
  }

  return {
    baseUrl: base,
    sendChat(req) {
      const body = bodyOf(req, { messages: req.messages });
      return send(chatPath, body, req.signal, (tok) => tok.chatTokens(req.messages));
    },
    sendCompletion(req) {
      const body = bodyOf(req, { prompt: req.prompt });
      return send(completionsPath, body, req.signal, (tok) => tok.countTokens(req.prompt));
    },
    listModels(signal) {
      return listModelCards(admin, signal);
    },
    resetPrefixCache(signal) {
      return resetPrefixCache(admin, signal);
    },
    async close() {
      if (ownAgent) await ownAgent.close();
    },
  };
}
