/**
 * The embedded cluster's router→worker hop without HTTP: an undici-style dispatcher (the `dispatch`
 * half of undici's Dispatcher, with its controller-based handler API) that hands a request straight
 * to a worker's fastify app in the same process (`app.inject` with the answer as a stream) and feeds
 * the worker's response back to the handler — headers, then each body write as one chunk, unchanged,
 * in the order written. The router's Relay cannot tell it from the worker's HTTP pool: same status,
 * headers and bytes (without HTTP's chunk framing, which undici strips too); an abort ends the
 * worker's response, so the worker aborts the request and frees its KV blocks as when a socket closes;
 * pause/resume pause the stream (backpressure from the client's socket).
 *
 * What it approximates: a real deployment has a network hop between its router and its workers (an
 * HTTP or RPC round trip, tens of µs to a few ms) and pays it per request and per streamed chunk; this
 * link pays neither — no socket writes, reads or HTTP parsing between the two — which is what the
 * virtual clock assumes too (its router hands requests to engines directly). No hop latency is
 * modelled here; a deployment's per-request frontend cost is the timing model's `frontendMs`. The
 * workers still listen on HTTP for every other client (outside routers, curl, the router's own
 * health checks and admin fan-outs); only the completions the embedded router forwards take the link.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Dispatcher } from 'undici';
import type { CompletionDispatcher } from '../router-sim/server/worker-pool.ts';

/** How the embedded router reaches its own workers: in-process (this link, KV events as published) or loopback HTTP and ZeroMQ. */
export const WORKER_LINKS = ['in-process', 'http'] as const;
export type WorkerLink = (typeof WORKER_LINKS)[number];

/** The controller one in-process request gives its handler. */
class LinkController implements Dispatcher.DispatchController {
  private abortedWith: Error | null = null;
  private isPaused = false;
  /** The worker's response stream once its headers are out. */
  stream: Readable | null = null;
  /** Ends the worker's response (set once it exists). */
  endResponse: (() => void) | null = null;

  constructor(private readonly onAbort: (reason: Error) => void) {}

  get aborted(): boolean {
    return this.abortedWith !== null;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  get reason(): Error | null {
    return this.abortedWith;
  }

  abort(reason: Error): void {
    if (this.abortedWith) return;
    this.abortedWith = reason;
    this.onAbort(reason);
  }

  pause(): void {
    this.isPaused = true;
    this.stream?.pause();
  }

  resume(): void {
    this.isPaused = false;
    this.stream?.resume();
  }
}

/** Request headers as light-my-request takes them (undici's forms flattened to one object). */
function headersOf(h: Dispatcher.DispatchOptions['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (Array.isArray(h)) {
    for (let i = 0; i + 1 < h.length; i += 2) out[String(h[i]).toLowerCase()] = String(h[i + 1]);
    return out;
  }
  for (const [k, v] of Object.entries(h as Record<string, string | string[] | undefined>)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export class InProcessLink implements CompletionDispatcher {
  constructor(private readonly app: FastifyInstance) {}

  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      handler.onResponseError?.(controller, err);
    };
    const abortInject = new AbortController();
    const controller: LinkController = new LinkController((reason) => {
      abortInject.abort(reason);
      controller.endResponse?.();
      fail(reason);
    });
    handler.onRequestStart?.(controller, {});
    if (controller.aborted) return true;
    const body = opts.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !Buffer.isBuffer(body)) {
      fail(new Error('in-process link: only string or Buffer bodies'));
      return true;
    }
    this.app
      .inject({
        method: opts.method as 'POST',
        url: opts.path,
        headers: headersOf(opts.headers),
        ...(body !== undefined && body !== null ? { payload: body } : {}),
        payloadAsStream: true,
        signal: abortInject.signal,
      })
      .then(
        (res) => {
          if (settled) return;
          const response = (res.raw as { res: { destroy(): void } }).res;
          controller.endResponse = () => response.destroy();
          const stream = res.stream();
          controller.stream = stream;
          handler.onResponseStart?.(controller, res.statusCode, res.headers as IncomingHttpHeaders, res.statusMessage);
          if (settled) return;
          if (controller.paused) stream.pause();
          stream.on('data', (chunk: Buffer) => {
            if (!settled) handler.onResponseData?.(controller, chunk);
          });
          stream.on('end', () => {
            if (settled) return;
            settled = true;
            handler.onResponseEnd?.(controller, {});
          });
          stream.on('error', (err: Error) => fail(err));
        },
        (err: Error) => fail(err),
      );
    return true;
  }
}
