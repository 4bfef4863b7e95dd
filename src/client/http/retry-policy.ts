/**
 * When and how long the transport waits before retrying a request. Retried: connection errors before
 * any response, 429, and 5xx answers (a status line arrives before the first body byte, so a 5xx is
 * always "before the first byte"). Never retried: other 4xx, timeouts, our own aborts, and failures
 * after a 2xx stream started (its tokens were already observed). Delay: exponential backoff with a
 * seeded ±jitter, at least the server's Retry-After (seconds) when it sends one, capped.
 */
import type { Rng } from '../../core/rng.ts';

export interface BackoffOptions {
  baseMs: number;
  factor: number;
  maxMs: number;
  /** Relative jitter: the delay is scaled by a uniform factor in [1 − jitter, 1 + jitter]. */
  jitter: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ baseMs: 200, factor: 2, maxMs: 10_000, jitter: 0.2 });

export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** The error code of an error or of its cause chain (undici wraps socket errors). */
export function errorCode(err: unknown): string | null {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/** True for failures to connect or a connection dropped before the response started. */
export function isConnectionError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== null && CONNECTION_CODES.has(code);
}

/** Delay before retry number `attempt` (0 for the first retry). */
export function backoffDelayMs(attempt: number, rng: Rng, retryAfterS: number | null = null, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const raw = opts.baseMs * opts.factor ** attempt;
  const jittered = raw * (1 + rng.uniform(-opts.jitter, opts.jitter));
  const floor = retryAfterS !== null && retryAfterS > 0 ? retryAfterS * 1000 : 0;
  return Math.min(opts.maxMs, Math.max(jittered, floor));
}

/** Retry-After header in seconds (integer form only; HTTP dates are ignored). */
export function parseRetryAfter(value: string | string[] | undefined): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return null;
  const n = Number(v.trim());
  return Number.isFinite(n) && n >= 0 ? n : null;
}
