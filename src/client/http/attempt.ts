/**
 * One attempt of one request over an undici dispatcher, run on undici's dispatch-handler callbacks
 * rather than `request()`: no Readable body stream, no async iterator, no AbortController per
 * request. Each socket read of an SSE answer goes straight into the SSE decoder and the StreamTimer,
 * stamped by the read clock (read-clock.ts: one clock reading per poll phase of the event loop, so a
 * chunk's timestamp waits neither for the chunks before it nor for other streams' reads of the same
 * phase); a chunk's JSON is read by the byte scanner (chunk-scan.ts), JSON.parse only for what it
 * declines. Owns how an attempt fails: a non-2xx status (retryable for 429 and 5xx), a broken stream,
 * a connection error (retryable), the per-attempt timeout (deadlines.ts), or the caller's abort.
 */
import type { Dispatcher } from 'undici';
import { onAbort } from '../runner/abort-fanout.ts';
import { createChunkDecoder, errorOf, type SseDecoder } from './sse.ts';
import { StreamTimer, timingOfBody, type ResponseTiming } from './response-timing.ts';
import { isConnectionError, isRetryableStatus, parseRetryAfter } from './retry-policy.ts';
import type { Deadlines, Watch } from './deadlines.ts';

export const WORKER_HEADER = 'x-kvlab-worker';

export type FailureKind = 'http' | 'stream' | 'connection' | 'timeout' | 'aborted' | 'other';

export class AttemptError extends Error {
  constructor(
    message: string,
    readonly failure: FailureKind,
    readonly status: number | null,
    readonly retryable: boolean,
    readonly retryAfterS: number | null = null,
    readonly worker: string | null = null,
  ) {
    super(message);
  }
}

export interface AttemptOutcome {
  status: number;
  worker: string | null;
  timing: ResponseTiming;
}

export interface AttemptSpec {
  dispatcher: Dispatcher;
  /** `http://host:port` */
  origin: string;
  /** Request path, e.g. `/v1/chat/completions`. */
  path: string;
  /** Flat request headers: name, value, name, value, … */
  headers: string[];
  /** The JSON body (a Buffer when written from token ids, http/json-body.ts). */
  body: string | Buffer;
  /** When the attempt was sent, on the `now` clock (the timings' origin). */
  startMs: number;
  now: () => number;
  /** The clock socket reads are stamped with (read-clock.ts: one reading per poll phase, on `now`). */
  readNow: () => number;
  /** 0: no timeout. */
  timeoutMs: number;
  /** The transport's timeout watches (deadlines.ts); null when timeoutMs is 0. */
  deadlines: Deadlines | null;
  signal?: AbortSignal;
}

/** A non-2xx answer's body is read up to this many bytes (enough for any error message). */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

type Mode = 'sse' | 'body' | 'error';

function headerOf(h: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = h[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

class AttemptHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private settled = false;
  private started = false;
  private timedOut = false;
  private status = 0;
  private worker: string | null = null;
  private retryAfterS: number | null = null;
  private mode: Mode = 'body';
  private parts: Buffer[] = [];
  private bytes = 0;
  private timer: StreamTimer | null = null;
  private decoder: SseDecoder | null = null;
  /** Time of the socket read being decoded (every chunk of one read shares it). */
  private readAt = 0;
  private timeout: Watch | null = null;
  private offAbort: (() => void) | null = null;

  constructor(
    private readonly spec: AttemptSpec,
    private readonly resolve: (o: AttemptOutcome) => void,
    private readonly reject: (e: AttemptError) => void,
  ) {
    if (spec.deadlines) {
      this.timeout = spec.deadlines.arm(() => {
        this.timedOut = true;
        this.cancel(new AttemptError(`timeout after ${spec.timeoutMs} ms`, 'timeout', null, false));
      });
    }
    if (spec.signal) this.offAbort = onAbort(spec.signal, () => this.cancel(new AttemptError('aborted', 'aborted', null, false)));
  }

  /** Our side ends the attempt (timeout, abort): settle now, and stop undici's request if it started. */
  private cancel(err: AttemptError): void {
    if (this.settled) return;
    this.fail(err);
    this.controller?.abort(err);
  }

  private finish(): void {
    this.settled = true;
    if (this.timeout) this.spec.deadlines!.disarm(this.timeout);
    this.offAbort?.();
  }

  private fail(err: AttemptError): void {
    if (this.settled) return;
    this.finish();
    this.reject(err);
  }

  private text(): string {
    return Buffer.concat(this.parts, this.bytes).toString('utf8');
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Cancelled while queued for a connection: never send it.
    if (this.settled) controller.abort(new Error('aborted'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (this.settled) return;
    this.started = true;
    this.status = statusCode;
    this.worker = headerOf(headers, WORKER_HEADER);
    if (statusCode < 200 || statusCode > 299) {
      this.mode = 'error';
      this.retryAfterS = parseRetryAfter(headers['retry-after']);
    } else if ((headerOf(headers, 'content-type') ?? '').includes('text/event-stream')) {
      this.mode = 'sse';
      const timer = new StreamTimer(this.spec.startMs);
      this.timer = timer;
      this.decoder = createChunkDecoder({
        scanned: (chunk) => timer.scanned(chunk, this.readAt),
        item: (item) => {
          if (item.kind === 'chunk') timer.chunk(item.data, this.readAt);
          else if (item.kind === 'done') timer.markDone();
          else timer.fail(item.error);
        },
      });
    }
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    if (this.mode === 'sse') {
      this.readAt = this.spec.readNow();
      this.decoder!.push(chunk);
      return;
    }
    if (this.mode === 'error' && this.bytes >= MAX_ERROR_BODY_BYTES) return;
    this.parts.push(chunk);
    this.bytes += chunk.length;
  }

  onResponseEnd(): void {
    if (this.settled) return;
    const { spec, status, worker } = this;
    if (this.mode === 'sse') {
      this.readAt = spec.now();
      this.decoder!.end();
      this.finish();
      this.resolve({ status, worker, timing: this.timer!.finish(this.readAt) });
      return;
    }
    if (this.mode === 'error') {
      this.fail(this.httpError(this.text()));
      return;
    }
    const text = this.text();
    const end = spec.now();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.fail(new AttemptError(`response is not JSON: ${text.slice(0, 120)}`, 'stream', status, false, null, worker));
      return;
    }
    const err = errorOf(parsed);
    if (err) {
      this.fail(new AttemptError(err.message, 'stream', status, false, null, worker));
      return;
    }
    this.finish();
    this.resolve({ status, worker, timing: timingOfBody(parsed as Record<string, unknown>, spec.startMs, end) });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return;
    // A non-2xx answer whose body broke off: still an HTTP error, with what arrived of its message.
    if (this.mode === 'error') {
      this.fail(this.httpError(this.text()));
      return;
    }
    this.fail(this.classify(error));
  }

  private httpError(text: string): AttemptError {
    let message = text.slice(0, 300);
    try {
      message = errorOf(JSON.parse(text))?.message ?? message;
    } catch {
      /* not JSON: keep the text */
    }
    const s = this.status;
    return new AttemptError(`HTTP ${s}${message ? `: ${message}` : ''}`, 'http', s, isRetryableStatus(s), this.retryAfterS, this.worker);
  }

  private classify(err: unknown): AttemptError {
    if (err instanceof AttemptError) return err;
    if (this.timedOut) return new AttemptError(`timeout after ${this.spec.timeoutMs} ms`, 'timeout', null, false);
    if (this.spec.signal?.aborted) return new AttemptError('aborted', 'aborted', null, false);
    const msg = err instanceof Error ? err.message : String(err);
    if (!this.started && isConnectionError(err)) return new AttemptError(`connection error: ${msg}`, 'connection', null, true);
    return new AttemptError(this.started ? `stream interrupted: ${msg}` : `request failed: ${msg}`, this.started ? 'stream' : 'other', null, false);
  }
}

/** Run one attempt; rejects with an AttemptError. */
export function runAttempt(spec: AttemptSpec): Promise<AttemptOutcome> {
  if (spec.signal?.aborted) return Promise.reject(new AttemptError('aborted', 'aborted', null, false));
  return new Promise<AttemptOutcome>((resolve, reject) => {
    const handler = new AttemptHandler(spec, resolve, reject);
    try {
      spec.dispatcher.dispatch({ origin: spec.origin, path: spec.path, method: 'POST', headers: spec.headers, body: spec.body }, handler);
    } catch (err) {
      handler.onResponseError(null as unknown as Dispatcher.DispatchController, err as Error);
    }
  });
}
