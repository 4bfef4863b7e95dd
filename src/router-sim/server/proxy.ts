/**
 * Forwarding one completion request: tokenize and hash the prompt, ask the RouterCore for a worker,
 * forward with undici (the worker's pooled connections) and stream the answer back unchanged — each
 * upstream chunk is written as soon as it arrives, with backpressure (stream pipeline). On the way the
 * ResponseWatcher tells the core when the first token arrives (prefill done) and when the stream ends
 * (free the request's load). A worker that refuses the connection or answers 5xx before any byte is
 * marked down and the request is retried once on another worker. A client that goes away aborts the
 * upstream request. Responses carry `x-kvlab-worker: worker-<i>` (the router's name for the worker)
 * and, when the worker sent one, its own name as `x-kvlab-upstream-worker`.
 *
 * Only failures of the worker mark it down: a request undici refuses to send as given (a header it
 * does not support or cannot encode) is the client's mistake and gets a 400, and hop-by-hop headers
 * (RFC 9110 §7.6.1: the fixed list, `expect`, and those named in `connection`) are never forwarded.
 * In kv mode the KvStreamWatch hears of every routed and finished request (see kv-stream-watch.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PassThrough } from 'node:stream';
import { blockHashes } from '../../core/block-hash.ts';
import type { ChatTokenizer } from '../../core/chat-template.ts';
import type { ChatRequestMessage } from '../../core/openai-schemas.ts';
import { makeError, toErrorBody } from '../../core/errors.ts';
import type { RouterCore } from '../router-core.ts';
import type { RouterMetrics } from './metrics.ts';
import { chatMessagesLike } from '../../core/prompt.ts';
import { storedNewBlocks, type KvStreamWatch } from './kv-stream-watch.ts';
import { ResponseWatcher } from './response-watch.ts';
import { sendSpeculativePrefill, speculativeBody } from './speculative.ts';
import type { WorkerPool } from './worker-pool.ts';

export const WORKER_HEADER = 'x-kvlab-worker';
export const UPSTREAM_WORKER_HEADER = 'x-kvlab-upstream-worker';

export interface ProxyDeps {
  core: RouterCore;
  pool: WorkerPool;
  metrics: RouterMetrics;
  blockSize: number;
  tokenizer: ChatTokenizer;
  nowMs(): number;
  nextId(): string;
  speculative: { sent: number; completed: number; failed: number; pending: Set<Promise<unknown>> };
  /** kv mode with KV events: the silent-stream watch (null otherwise). */
  watch?: KvStreamWatch | null;
}

export interface ParsedCompletion {
  raw: string;
  /** Prompt tokens as the router's tokenizer sees them ([] when the request could not be interpreted). */
  tokens: number[];
  /** Chat requests asking for speculative prefill keep their messages here. */
  speculative: { model: unknown; messages: readonly ChatRequestMessage[] } | null;
}

const HOP_BY_HOP = new Set([
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

/**
 * Request headers worth forwarding (end-to-end ones: auth, content type, x-kvlab-*, ...).
 * accept-encoding is dropped so the upstream answers uncompressed and the watcher can read the stream;
 * so are the headers the client's `connection` header names (hop-by-hop by declaration).
 */
export function forwardHeaders(h: FastifyRequest['headers']): Record<string, string> {
  const named = new Set(
    String(h.connection ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ''),
  );
  const out: Record<string, string> = Object.create(null) as Record<string, string>; // a '__proto__' header stays a header
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || HOP_BY_HOP.has(k) || named.has(k) || k === 'accept-encoding') continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * undici errors meaning "this request cannot be sent as given", not "the worker failed". (The headers
 * undici refuses are dropped above: each request an undici 7 Pool refuses leaks one of its
 * connections, and once all are leaked the Pool hangs every request.)
 */
const REQUEST_ERRORS = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  return typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : String(e?.message ?? err);
}

export async function proxyCompletion(deps: ProxyDeps, path: string, parsed: ParsedCompletion, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { core, pool, metrics } = deps;
  const hashes = blockHashes(parsed.tokens, deps.blockSize);
  const isl = parsed.tokens.length;
  const id = deps.nextId();
  const headers = forwardHeaders(request.headers);
  const ac = new AbortController();
  let clientGone = false;
  const onClose = () => {
    if (!reply.raw.writableFinished) {
      clientGone = true;
      ac.abort();
    }
  };
  reply.raw.on('close', onClose);

  let lastError = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    const now = deps.nowMs();
    for (const stale of deps.watch?.stale(now) ?? []) {
      core.resetWorker(stale);
      metrics.resyncs.inc({ worker: core.names[stale] });
    }
    const { decision } = core.route(id, hashes, isl, now);
    if (decision.worker === null) {
      if (attempt === 0) throw makeError('no_workers');
      throw makeError('upstream_unavailable', { upstream: 'any worker', detail: lastError });
    }
    const w = decision.worker;
    const ep = pool.endpoints[w];
    deps.watch?.routed(id, w, now);
    let upstream: Awaited<ReturnType<typeof ep.pool.request>>;
    try {
      upstream = await ep.pool.request({ path, method: 'POST', headers, body: parsed.raw, signal: ac.signal });
    } catch (err) {
      core.finish(id);
      deps.watch?.finished(id, false, deps.nowMs());
      if (clientGone) return reply;
      lastError = errorCode(err);
      if (REQUEST_ERRORS.has(lastError)) {
        throw makeError('invalid_request', { detail: `the request cannot be forwarded: ${(err as Error).message}` });
      }
      pool.markDown(w);
      if (attempt === 0) {
        metrics.retries.inc();
        continue;
      }
      throw makeError('upstream_unavailable', { upstream: ep.name, detail: lastError });
    }
    if (upstream.statusCode >= 500 && attempt === 0) {
      await upstream.body.dump().catch(() => undefined);
      core.finish(id);
      deps.watch?.finished(id, false, deps.nowMs());
      lastError = `HTTP ${upstream.statusCode}`;
      pool.markDown(w);
      metrics.retries.inc();
      continue;
    }
    metrics.requests.inc({ worker: ep.name, mode: core.opts.mode });
    metrics.overlapBlocks.observe(decision.overlapBlocks);
    if (isl > 0) metrics.predictedHitRatio.observe(Math.min(1, (decision.overlapBlocks * deps.blockSize) / isl));
    return streamBack(deps, id, w, decision.overlapBlocks, upstream, parsed, headers, reply, () => clientGone);
  }
  throw makeError('upstream_unavailable', { upstream: 'any worker', detail: lastError });
}

interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: NodeJS.ReadableStream & { destroy(err?: Error): void };
}

function streamBack(
  deps: ProxyDeps,
  id: string,
  w: number,
  overlapBlocks: number,
  upstream: UpstreamResponse,
  parsed: ParsedCompletion,
  fwdHeaders: Record<string, string>,
  reply: FastifyReply,
  clientGone: () => boolean,
): FastifyReply {
  const { core, pool } = deps;
  const ep = pool.endpoints[w];
  reply.code(upstream.statusCode);
  for (const [k, v] of Object.entries(upstream.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || k === WORKER_HEADER) continue;
    reply.header(k, v);
  }
  const upstreamName = upstream.headers[WORKER_HEADER];
  if (upstreamName !== undefined) reply.header(UPSTREAM_WORKER_HEADER, upstreamName);
  reply.header(WORKER_HEADER, ep.name);

  const ok = upstream.statusCode >= 200 && upstream.statusCode < 300;
  const contentType = String(upstream.headers['content-type'] ?? '');
  const watcher = new ResponseWatcher(contentType.includes('text/event-stream'), {
    onFirstToken: () => core.firstToken(id, deps.nowMs()),
    onTokens: (n) => core.outputTokens(id, n),
  });
  let freed = false;
  const free = () => {
    if (freed) return;
    freed = true;
    core.finish(id);
    const completed = ok && watcher.finishReason !== null;
    deps.watch?.finished(id, completed && storedNewBlocks(parsed.tokens.length, watcher.outputTokens, overlapBlocks, deps.blockSize), deps.nowMs());
  };
  // Manual piping (not stream.pipeline) so an upstream failure mid-stream can end an SSE response
  // with an OpenAI error event instead of a cut connection. Backpressure: pause the upstream while
  // the client's side is full.
  const out = new PassThrough();
  const src = upstream.body as NodeJS.ReadableStream & { destroy(err?: Error): void; destroyed?: boolean };
  src.on('data', (chunk: Buffer) => {
    watcher.feed(chunk);
    if (!out.write(chunk)) src.pause();
  });
  out.on('drain', () => src.resume());
  src.on('end', () => {
    watcher.end();
    free();
    out.end();
  });
  src.on('error', (err: unknown) => {
    free();
    if (clientGone()) return;
    pool.markDown(w);
    if (watcher.sse && !out.destroyed) {
      const body = toErrorBody(makeError('upstream_unavailable', { upstream: ep.name, detail: `stream interrupted (${errorCode(err)})` }));
      out.end(`data: ${JSON.stringify(body)}\n\n`);
    } else out.destroy(err as Error);
  });
  out.on('close', () => {
    if (!src.destroyed) src.destroy();
  });
  reply.raw.on('close', free);
  if (ok && parsed.speculative) {
    const spec = parsed.speculative;
    reply.raw.on('finish', () => {
      if (clientGone() || watcher.finishReason === null) return;
      const body = speculativeBody({ model: spec.model, messages: spec.messages, answer: watcher.answer });
      if (core.policy.recordCached) {
        // kv-approx learns the history the speculative prefill makes the worker cache.
        const history = [...chatMessagesLike(spec.messages), { role: 'assistant', content: watcher.answer }];
        core.recordCached(w, blockHashes(deps.tokenizer.encodeChat(history), deps.blockSize), deps.nowMs());
      }
      const auth = fwdHeaders.authorization;
      deps.speculative.sent++;
      deps.metrics.specSent.inc();
      const p = sendSpeculativePrefill(ep.pool, body, auth ? { authorization: auth } : {}).then((done) => {
        if (done) {
          deps.speculative.completed++;
          deps.metrics.specCompleted.inc();
        } else deps.speculative.failed++;
      });
      deps.speculative.pending.add(p);
      void p.finally(() => deps.speculative.pending.delete(p));
    });
  }
  return reply.send(out);
}
