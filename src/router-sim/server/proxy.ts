/**
 * Forwarding one completion request: with the prompt's block hashes (prompt.ts), ask the RouterCore
 * for a worker, forward with undici (the worker's pooled keep-alive connections, raw dispatch API)
 * and relay the answer back unchanged, each upstream chunk written as soon as it arrives (relay.ts).
 * On the way the ResponseWatcher tells the core when the first token arrives (prefill done) and when
 * the stream ends (free the request's load). A worker that refuses the connection or answers 5xx
 * before any byte is marked down and the request is retried once on another worker. A client that
 * goes away aborts the upstream request. Responses carry `x-kvlab-worker: worker-<i>` (the router's
 * name for the worker) and, when the worker sent one, its own name as `x-kvlab-upstream-worker`.
 *
 * Only failures of the worker mark it down: a request undici refuses to send as given (a header it
 * does not support or cannot encode) is the client's mistake and gets a 400, and hop-by-hop headers
 * (RFC 9110 §7.6.1: the fixed list, `expect`, and those named in `connection`) are never forwarded.
 * In kv mode the KvStreamWatch hears of every routed and finished request (see kv-stream-watch.ts).
 *
 * What is forwarded: to a kvlab worker (the pool has its capability, core/preprocessed) the request's
 * fields with the prompt (`messages` / `prompt`) replaced by `kvlab_prompt` — the token ids and block
 * hashes the router computed anyway — so the worker neither tokenizes nor hashes; to any other server
 * the request body exactly as the client sent it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { blockHashes } from '../../core/block-hash.ts';
import type { ChatRequestMessage } from '../../core/openai-schemas.ts';
import { makeError } from '../../core/errors.ts';
import { chatMessagesLike, type ChatEncoder } from '../../core/prompt.ts';
import { PREPROCESSED_FIELD, preprocessedPrompt, type WorkerCapability } from '../../core/preprocessed.ts';
import type { RouterReplicas } from '../router-replicas.ts';
import type { KvStreamWatch } from './kv-stream-watch.ts';
import type { RouterMetrics } from './metrics.ts';
import { errorCode, HOP_BY_HOP, Relay, type RelayContext } from './relay.ts';
import { preprocessedSpeculativeBody, sendSpeculativePrefill, speculativeBody } from './speculative.ts';
import type { WorkerPool } from './worker-pool.ts';

export { UPSTREAM_WORKER_HEADER, WORKER_HEADER } from './relay.ts';

export interface ProxyDeps {
  /** The router's replicas (one by default): each request is decided by the one the spreader picks. */
  core: RouterReplicas;
  pool: WorkerPool;
  metrics: RouterMetrics;
  blockSize: number;
  tokenizer: ChatEncoder;
  nowMs(): number;
  nextId(): string;
  speculative: { sent: number; completed: number; failed: number; pending: Set<Promise<unknown>> };
  /** kv mode with KV events: the silent-stream watch (null otherwise). */
  watch?: KvStreamWatch | null;
}

export interface ParsedCompletion {
  /** The body as the client sent it. */
  raw: string;
  /** The body parsed. */
  json: Record<string, unknown>;
  /** The field holding the prompt (left out of a preprocessed request). */
  promptField: 'messages' | 'prompt';
  /** Prompt length in tokens, as the router's tokenizer sees the prompt. */
  promptTokens: number;
  /** Chained hashes of the prompt's full blocks. */
  hashes: readonly number[];
  /** The prompt's token ids. */
  tokens: readonly number[];
  /** Chat requests asking for speculative prefill keep their messages here. */
  speculative: { model: unknown; messages: readonly ChatRequestMessage[] } | null;
}

/**
 * Request headers worth forwarding (end-to-end ones: auth, content type, x-kvlab-*, ...).
 * accept-encoding is dropped so the upstream answers uncompressed and the watcher can read the stream;
 * so are the headers the client's `connection` header names (hop-by-hop by declaration).
 */
export function forwardHeaders(h: FastifyRequest['headers']): Record<string, string> {
  const named =
    h.connection === undefined
      ? null
      : new Set(
          String(h.connection)
            .split(',')
            .map((t) => t.trim().toLowerCase())
            .filter((t) => t !== ''),
        );
  const out: Record<string, string> = Object.create(null) as Record<string, string>; // a '__proto__' header stays a header
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || HOP_BY_HOP.has(k) || named?.has(k) || k === 'accept-encoding') continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * The body for a kvlab worker with `cap`: the request's other fields and the preprocessed prompt; the
 * body as sent when its fields cannot be written out again (nesting deeper than the stack allows).
 */
export function preprocessedBody(parsed: ParsedCompletion, cap: WorkerCapability): string {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(parsed.json)) if (k !== parsed.promptField && k !== PREPROCESSED_FIELD) out[k] = parsed.json[k];
  out[PREPROCESSED_FIELD] = preprocessedPrompt(parsed.tokens, parsed.hashes, cap);
  try {
    return JSON.stringify(out);
  } catch {
    return parsed.raw;
  }
}

/**
 * undici errors meaning "this request cannot be sent as given", not "the worker failed". (The headers
 * undici refuses are dropped above: each request an undici 7 Pool refuses leaks one of its
 * connections, and once all are leaked the Pool hangs every request.)
 */
const REQUEST_ERRORS = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

export async function proxyCompletion(deps: ProxyDeps, path: string, parsed: ParsedCompletion, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { core, pool, metrics } = deps;
  const isl = parsed.promptTokens;
  const x = new ProxiedRequest(deps, deps.nextId(), parsed, forwardHeaders(request.headers), reply);
  const watch = deps.watch ?? null;
  let lastError = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    if (x.clientGone) return reply.hijack();
    const now = deps.nowMs();
    if (watch) {
      for (const stale of watch.stale(now)) {
        core.resetWorker(stale);
        metrics.resyncs.inc({ worker: core.names[stale] });
      }
    }
    const { decision } = core.route(x.id, parsed.hashes, isl, now);
    if (decision.worker === null) {
      if (attempt === 0) throw makeError('no_workers');
      throw makeError('upstream_unavailable', { upstream: 'any worker', detail: lastError });
    }
    const w = decision.worker;
    const ep = pool.endpoints[w];
    watch?.routed(x.id, w, now);
    const relay = new Relay(x, w, ep.name, decision.overlapBlocks, attempt === 0);
    x.relay = relay;
    const cap = pool.capabilities[w];
    // An empty prompt goes as sent: the worker refuses it in its own words.
    const body = cap === null || parsed.promptTokens === 0 ? parsed.raw : preprocessedBody(parsed, cap);
    ep.completions.dispatch({ path, method: 'POST', headers: x.headers, body }, relay);
    const started = await relay.started;
    if (started.kind === 'relaying') {
      metrics.requests.inc({ worker: ep.name, mode: core.opts.mode });
      metrics.overlapBlocks.observe(decision.overlapBlocks);
      if (isl > 0) metrics.predictedHitRatio.observe(Math.min(1, (decision.overlapBlocks * deps.blockSize) / isl));
      return reply;
    }
    if (x.clientGone) return reply.hijack();
    if (started.kind === 'unrelayable') {
      throw makeError('upstream_unavailable', { upstream: ep.name, detail: `its response cannot be relayed: ${started.error.message}` });
    }
    if (started.kind === 'server-error') lastError = `HTTP ${started.status}`;
    else {
      lastError = errorCode(started.error);
      if (REQUEST_ERRORS.has(lastError)) {
        throw makeError('invalid_request', { detail: `the request cannot be forwarded: ${started.error.message}` });
      }
    }
    pool.markDown(w);
    if (attempt === 0) {
      metrics.retries.inc();
      continue;
    }
    throw makeError('upstream_unavailable', { upstream: ep.name, detail: lastError });
  }
  throw makeError('upstream_unavailable', { upstream: 'any worker', detail: lastError });
}

/** One proxied request, as its relays see it (methods, not per-request closures). */
class ProxiedRequest implements RelayContext {
  clientGone = false;
  /** The current attempt. */
  relay: Relay | null = null;
  readonly promptTokens: number;
  readonly blockSize: number;
  readonly wantsAnswer: boolean;

  constructor(
    private readonly deps: ProxyDeps,
    readonly id: string,
    private readonly parsed: ParsedCompletion,
    readonly headers: Record<string, string>,
    readonly reply: FastifyReply,
  ) {
    this.promptTokens = parsed.promptTokens;
    this.blockSize = deps.blockSize;
    this.wantsAnswer = parsed.speculative !== null;
    reply.raw.on('close', () => this.closed());
  }

  private closed(): void {
    if (!this.reply.raw.writableFinished) this.clientGone = true;
    this.relay?.clientClosed();
  }

  firstToken(): void {
    this.deps.core.firstToken(this.id, this.deps.nowMs());
  }

  outputTokens(n: number): void {
    this.deps.core.outputTokens(this.id, n);
  }

  freed(storedNewBlocks: boolean): void {
    this.deps.core.finish(this.id);
    this.deps.watch?.finished(this.id, storedNewBlocks, this.deps.nowMs());
  }

  markDown(worker: number): void {
    this.deps.pool.markDown(worker);
  }

  answered(worker: number, answer: string): void {
    if (this.parsed.speculative) launchSpeculative(this.deps, worker, this.parsed.speculative, answer, this.headers.authorization);
  }
}

/** Speculative prefill of the next turn on worker `w`, fire and forget (see speculative.ts). */
function launchSpeculative(deps: ProxyDeps, w: number, spec: NonNullable<ParsedCompletion['speculative']>, answer: string, auth: string | undefined): void {
  const { core } = deps;
  const cap = deps.pool.capabilities[w];
  let blocks: { tokens: number[]; hashes: number[] } | null = null;
  // The history as the worker will tokenize it (the memo makes this cost the answer's tokens only).
  const history = (): { tokens: number[]; hashes: number[] } => {
    if (blocks === null) {
      const tokens = deps.tokenizer.encodeChat([...chatMessagesLike(spec.messages), { role: 'assistant', content: answer }]);
      blocks = { tokens, hashes: blockHashes(tokens, deps.blockSize) };
    }
    return blocks;
  };
  // A kvlab worker gets it preprocessed too (it has never seen these messages as text).
  const body = cap === null ? speculativeBody({ model: spec.model, messages: spec.messages, answer }) : preprocessedSpeculativeBody(spec.model, history().tokens, history().hashes, cap);
  // kv-approx learns the history the speculative prefill makes the worker cache.
  if (core.learnsRoutedBlocks) core.recordCached(w, history().hashes, deps.nowMs());
  deps.speculative.sent++;
  deps.metrics.specSent.inc();
  const p = sendSpeculativePrefill(deps.pool.endpoints[w].completions, body, auth ? { authorization: auth } : {}).then((done) => {
    if (done) {
      deps.speculative.completed++;
      deps.metrics.specCompleted.inc();
    } else deps.speculative.failed++;
  });
  deps.speculative.pending.add(p);
  void p.finally(() => deps.speculative.pending.delete(p));
}
