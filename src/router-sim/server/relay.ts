/**
 * One upstream attempt of a proxied request, relayed to the client as its bytes arrive. `Relay` is an
 * undici dispatch handler (undici's callback API: no response stream object, no PassThrough, no pipe
 * between them). When the worker's response headers arrive, the fastify reply is hijacked and the
 * headers are written (hop-by-hop ones dropped, `x-kvlab-worker` set to the router's name for the
 * worker, the worker's own name kept as `x-kvlab-upstream-worker`); then each body chunk is shown to
 * the ResponseWatcher and written to the client in the same tick it was read, unchanged.
 * Backpressure: the upstream is paused while the client's socket buffer is full and resumed on
 * 'drain'. A worker failure mid-answer marks it down and ends an SSE answer with an OpenAI error event
 * (a JSON answer is cut). The request's load is freed in the RouterCore exactly once: when the answer
 * ends or fails, or the client goes away.
 *
 * Before any response, `started` settles instead: `failed` (connection refused or reset, request
 * refused by undici, aborted), `server-error` (a 5xx the caller retries on another worker; its body
 * is drained first, up to a bound, so the keep-alive connection stays usable) or `unrelayable`
 * (response headers Node refuses to write; nothing was sent, so fastify still answers).
 */
import type { FastifyReply } from 'fastify';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { makeError, toErrorBody } from '../../core/errors.ts';
import { storedNewBlocks } from './kv-stream-watch.ts';
import { ResponseWatcher, type WatchCallbacks } from './response-watch.ts';

export const WORKER_HEADER = 'x-kvlab-worker';
export const UPSTREAM_WORKER_HEADER = 'x-kvlab-upstream-worker';

/** Response headers never relayed (hop-by-hop, RFC 9110 §7.6.1, and the framing Node sets itself). */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
  'trailer',
  'host',
  'content-length',
  'expect',
]);

/** A 5xx body drained before a retry, at most (more and the connection is dropped instead). */
const MAX_DRAIN_BYTES = 128 * 1024;

export type RelayStart =
  /** Headers went to the client; the body follows. */
  | { kind: 'relaying' }
  /** No response: the request failed before one (the load is already freed). */
  | { kind: 'failed'; error: Error }
  /** A 5xx the caller asked to retry; its body has been drained (the load is already freed). */
  | { kind: 'server-error'; status: number }
  /** Response headers Node refuses to send on (the load is already freed; nothing was written). */
  | { kind: 'unrelayable'; error: Error };

/** What a relay needs from the request it serves (one per request, shared by its attempts). */
export interface RelayContext {
  readonly reply: FastifyReply;
  /** The client closed its connection before the answer was complete. */
  readonly clientGone: boolean;
  readonly promptTokens: number;
  readonly blockSize: number;
  /** Keep the answer text for `answered` (speculative prefill). */
  readonly wantsAnswer: boolean;
  /** The first generated token arrived (prefill done). */
  firstToken(): void;
  /** `n` more generated chunks arrived. */
  outputTokens(n: number): void;
  /** The request's load leaves its worker (once per attempt); did the answer make the worker store new full blocks? */
  freed(storedNewBlocks: boolean): void;
  /** The worker failed mid-answer. */
  markDown(worker: number): void;
  /** A complete 2xx answer (one with a finish reason) was written to the client, who is still there (only when wantsAnswer). */
  answered(worker: number, answer: string): void;
}

export class Relay implements Dispatcher.DispatchHandler, WatchCallbacks {
  readonly started: Promise<RelayStart>;
  /** Set once the response headers arrived (status ≥ 200). */
  watcher: ResponseWatcher | null = null;
  status = 0;
  private settle!: (s: RelayStart) => void;
  private controller: Dispatcher.DispatchController | null = null;
  private abortReason: Error | null = null;
  private phase: 'waiting' | 'draining' | 'relaying' | 'done' = 'waiting';
  private drained = 0;
  private freed = false;

  constructor(
    private readonly ctx: RelayContext,
    readonly worker: number,
    readonly workerName: string,
    /** Overlap (blocks) the request was routed on. */
    private readonly overlapBlocks: number,
    /** Drain and report a 5xx instead of relaying it. */
    private readonly retry5xx: boolean,
  ) {
    this.started = new Promise((resolve) => (this.settle = resolve));
  }

  /** Abort the upstream request. */
  abort(): void {
    const reason = new Error('the client closed the connection');
    if (this.controller) this.controller.abort(reason);
    else this.abortReason = reason;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortReason) controller.abort(this.abortReason);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx informational
    this.status = statusCode;
    if (statusCode >= 500 && this.retry5xx) {
      this.phase = 'draining';
      return;
    }
    const { ctx } = this;
    const out: OutgoingHttpHeaders = Object.create(null) as OutgoingHttpHeaders; // a '__proto__' header stays a header
    for (const k in headers) {
      const v = headers[k];
      if (v === undefined || HOP_BY_HOP.has(k) || k === WORKER_HEADER) continue;
      out[k] = v;
    }
    const upstreamName = headers[WORKER_HEADER];
    if (upstreamName !== undefined) out[UPSTREAM_WORKER_HEADER] = upstreamName;
    out[WORKER_HEADER] = this.workerName;
    const raw = ctx.reply.raw;
    try {
      raw.writeHead(statusCode, out);
    } catch (err) {
      // A header Node refuses to send (invalid characters): nothing was written, fastify answers.
      this.phase = 'done';
      this.free();
      this.settle({ kind: 'unrelayable', error: err as Error });
      controller.abort(err as Error);
      return;
    }
    ctx.reply.hijack();
    this.phase = 'relaying';
    const ok = statusCode < 300;
    const contentType = headers['content-type'];
    const sse = (Array.isArray(contentType) ? contentType.join(', ') : (contentType ?? '')).includes('text/event-stream');
    const watcher = new ResponseWatcher(sse, this, { collectAnswer: ok && ctx.wantsAnswer });
    this.watcher = watcher;
    raw.on('drain', () => this.controller?.resume());
    if (ok && ctx.wantsAnswer) {
      raw.on('finish', () => {
        if (!ctx.clientGone && watcher.finishReason !== null) ctx.answered(this.worker, watcher.answer);
      });
    }
    this.settle({ kind: 'relaying' });
  }

  onFirstToken(): void {
    this.ctx.firstToken();
  }

  onTokens(n: number): void {
    this.ctx.outputTokens(n);
  }

  /** The client's connection closed: abort the upstream if it is still answering; free the load. */
  clientClosed(): void {
    if (this.phase !== 'done') this.abort();
    this.free();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.phase === 'relaying') {
      this.watcher!.feed(chunk);
      const raw = this.ctx.reply.raw;
      if (!raw.destroyed && !raw.write(chunk)) controller.pause();
    } else if (this.phase === 'draining') {
      this.drained += chunk.length;
      if (this.drained > MAX_DRAIN_BYTES) controller.abort(new Error('5xx body too large to drain'));
    }
  }

  onResponseEnd(): void {
    const phase = this.phase;
    this.phase = 'done';
    if (phase === 'relaying') {
      this.watcher!.end();
      this.free();
      const raw = this.ctx.reply.raw;
      if (!raw.destroyed) raw.end();
    } else if (phase === 'draining') {
      this.free();
      this.settle({ kind: 'server-error', status: this.status });
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    const phase = this.phase;
    this.phase = 'done';
    this.free();
    if (phase === 'waiting') {
      this.settle({ kind: 'failed', error });
      return;
    }
    if (phase === 'draining') {
      this.settle({ kind: 'server-error', status: this.status });
      return;
    }
    if (phase !== 'relaying' || this.ctx.clientGone) return;
    this.ctx.markDown(this.worker);
    const raw = this.ctx.reply.raw;
    if (raw.destroyed) return;
    if (this.watcher!.sse) {
      const body = toErrorBody(makeError('upstream_unavailable', { upstream: this.workerName, detail: `stream interrupted (${errorCode(error)})` }));
      raw.end(`data: ${JSON.stringify(body)}\n\n`);
    } else raw.destroy(error);
  }

  /** The request's load leaves its worker (once). */
  private free(): void {
    if (this.freed) return;
    this.freed = true;
    const w = this.watcher;
    const completed = w !== null && this.status >= 200 && this.status < 300 && w.finishReason !== null;
    this.ctx.freed(completed && storedNewBlocks(this.ctx.promptTokens, w.outputTokens, this.overlapBlocks, this.ctx.blockSize));
  }
}

/** An error's stable code (undici `UND_ERR_*`, a Node `E*` code), else its name or message. */
export function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  return typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : String(e?.message ?? err);
}
