/**
 * The router's HTTP front door (fastify): GET /v1/models and /v1/models/{id} (from the first live
 * worker) and POST /reset_prefix_cache (on every worker; worker-routes.ts), POST
 * /v1/chat/completions and /v1/completions (routed and proxied, see proxy.ts), GET /health, GET
 * /version, GET /metrics. `buildRouterApp` wires the router (`replicas` RouterCores behind a front
 * spreader, router-replicas.ts: one by default), worker pool, metrics and (with
 * kvEvents) the ZeroMQ subscribers into an app ready for `inject()`; `startRouter` also listens.
 * Errors at the edge are OpenAI error bodies: body over the limit 413 (before parsing), not JSON 415,
 * bad JSON 400, no live worker 503, upstream failure 502, unknown route 404.
 *
 * The router answers a client's mistakes itself: a body that fails the OpenAI request schema (the
 * mocker's, core/openai-schemas: unknown fields pass, text content only) or a prompt certainly over
 * maxModelLen (by bytes, before tokenizing) is a 400 and is never forwarded, so garbage can neither
 * reach a worker nor get it marked down. Checks the schema cannot make (model name, token ids,
 * exact context length) stay with the worker, whose 4xx is relayed as is.
 *
 * With `decodeWorkers` the router serves disaggregated prefill/decode (pd-proxy.ts): `workers` prefill,
 * the decode workers decode; /health lists both, /reset_prefix_cache and /v1/models reach the prefill
 * workers only.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { o200kTokenizer, type ModelTokenizer } from '../../core/tokenizers/model-tokenizer.ts';
import { errorStatus, makeError, toErrorBody } from '../../core/errors.ts';
import { ChatCompletionRequest, CompletionRequest, parseBody } from '../../core/openai-schemas.ts';
import { startKvSubscribers, type KvSubscribers } from '../kv-subscriber.ts';
import type { KvFrameSource } from '../../core/kv-event-codec.ts';
import { tierCreditsOf } from '../tier-index.ts';
import type { RouterCore } from '../router-core.ts';
import { RouterReplicas } from '../router-replicas.ts';
import { bearerChecker } from '../../core/api-key.ts';
import { clientErrorHandler } from '../../core/client-error-handler.ts';
import { createRouterMetrics, type RouterMetrics } from './metrics.ts';
import { resolveRouterOptions, type ResolvedRouterOptions, type RouterOptions } from './options.ts';
import { PromptHasher } from './prompt.ts';
import { KvStreamWatch } from './kv-stream-watch.ts';
import { proxyCompletion, type ParsedCompletion, type ProxyDeps } from './proxy.ts';
import { proxyDisaggregated } from './pd-proxy.ts';
import { WorkerPool, type CompletionDispatcher } from './worker-pool.ts';
import { registerWorkerRoutes } from './worker-routes.ts';
import { KVLAB_VERSION } from '../../core/version.ts';

export interface RouterState {
  options: ResolvedRouterOptions;
  /** The router: `replicas` RouterCores behind a front spreader (router-replicas.ts; one by default). */
  router: RouterReplicas;
  /** The first replica (the only one by default): its index and tracker, for inspection. */
  core: RouterCore;
  pool: WorkerPool;
  metrics: RouterMetrics;
  subscribers: KvSubscribers | null;
  speculative: ProxyDeps['speculative'];
}

export interface RouterApp {
  app: FastifyInstance;
  state: RouterState;
}

export interface RunningRouter extends RouterApp {
  url: string;
  close(): Promise<void>;
}

interface JsonBody {
  raw: string;
  json: unknown;
}

/** A prototype key (`__proto__`, or `constructor.prototype`) in a JSON body: refused, as fastify does. */
function refuseProtoKeys(key: string, value: unknown): unknown {
  if (key === '__proto__' || (key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype'))) {
    throw new SyntaxError(`forbidden key "${key}"`);
  }
  return value;
}

/** JSON.parse, refusing prototype keys (checked only when the text could hold one: the check costs a call per value). */
function parseJson(raw: string): unknown {
  return raw.includes('proto') || raw.includes('\\u') ? JSON.parse(raw, refuseProtoKeys) : JSON.parse(raw);
}

/**
 * Workers living in the router's own process (the embedded cluster, src/lab/cluster.ts): per worker, a
 * dispatcher for its completions (instead of HTTP) and its KV events as an in-process source (instead
 * of its `kvEvents` endpoint).
 */
export interface InProcessWorkers {
  completions?: readonly (CompletionDispatcher | null)[];
  kvEvents?: readonly KvFrameSource[];
}

/** `tokenizer`: how prompts become token ids (`--tokenizer`; default kvlab's o200k_base). */
export function buildRouterApp(partial: Partial<RouterOptions>, tokenizer: ModelTokenizer = o200kTokenizer(), inProcess: InProcessWorkers = {}): RouterApp {
  const options = resolveRouterOptions(partial);
  const names = options.workers.map((_, i) => `worker-${i}`);
  const router = new RouterReplicas({
    workerNames: names,
    mode: options.mode,
    blockSize: options.blockSize,
    overlapScoreWeight: options.overlapScoreWeight,
    temperature: options.temperature,
    routerTtlS: options.routerTtlS,
    seed: options.seed,
    maxApproxBlocks: options.maxApproxBlocks,
    ...(options.loadRefreshMs > 0 ? { loadRefreshMs: options.loadRefreshMs } : {}),
    tierCredits: tierCreditsOf(options),
  }, { replicas: options.replicas, sync: options.replicaSync, spread: options.replicaSpread });
  const core = router.cores[0];
  const poolOptions = {
    downForMs: options.downForMs,
    healthCheckMs: options.healthCheckMs,
    connections: options.connectionsPerWorker,
    authorization: options.apiKey ? `Bearer ${options.apiKey}` : undefined,
    blockSize: options.blockSize,
    identify: options.preprocess,
    tokenizerId: tokenizer.id,
  };
  const pool = new WorkerPool(options.workers, router, { ...poolOptions, inProcess: inProcess.completions });
  const metrics = createRouterMetrics({ workersUp: () => core.liveCount(), indexBlocks: () => core.indexSize() });
  // kv mode routes on the event stream alone, so it also watches for a stream gone silent.
  const watch = options.kvEvents.length > 0 && options.mode === 'kv' ? new KvStreamWatch(names.length, options.routerTtlS * 1000) : null;
  const subscribers =
    options.kvEvents.length > 0
      ? startKvSubscribers(inProcess.kvEvents ?? options.kvEvents, router, {
          onEvents: (w, n) => {
            metrics.kvEvents.inc({ worker: names[w] }, n);
            watch?.batch(w, performance.now());
          },
          onResync: (w) => metrics.resyncs.inc({ worker: names[w] }),
        }, { delayMs: options.kvEventDelayMs, loss: options.kvEventLoss, seed: options.seed })
      : null;
  const speculative: ProxyDeps['speculative'] = { sent: 0, completed: 0, failed: 0, pending: new Set() };
  const state: RouterState = { options, router, core, pool, metrics, subscribers, speculative };
  let counter = 0;
  const prompts = new PromptHasher(tokenizer, options.blockSize);
  const deps: ProxyDeps = {
    core: router,
    pool,
    metrics,
    blockSize: options.blockSize,
    tokenizer,
    nowMs: () => performance.now(),
    nextId: () => `rt-${++counter}`,
    speculative,
    watch,
  };
  // P/D: the decode workers, picked by decode load (the kv cost with overlap weight 0; pd-proxy.ts).
  const decodeDeps: ProxyDeps | null = options.decodeWorkers.length === 0 ? null : (() => {
    const decodeCore = new RouterReplicas({
      workerNames: options.decodeWorkers.map((_, i) => `worker-${names.length + i}`),
      mode: 'kv',
      blockSize: options.blockSize,
      overlapScoreWeight: 0,
      temperature: 0,
      routerTtlS: options.routerTtlS,
      seed: options.seed,
    }, { replicas: 1 });
    return { ...deps, core: decodeCore, pool: new WorkerPool(options.decodeWorkers, decodeCore, poolOptions), watch: null };
  })();
  const proxy = (path: string, p: ParsedCompletion, req: FastifyRequest, reply: FastifyReply) =>
    decodeDeps === null ? proxyCompletion(deps, path, p, req, reply) : proxyDisaggregated(deps, decodeDeps, path, p, req, reply);

  // forceCloseConnections: close() cuts every client connection (idle or not) so shutdown never
  // waits on a client's stray keep-alive socket.
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit,
    forceCloseConnections: true,
    clientErrorHandler: clientErrorHandler(),
    // Errors fastify raises before routing (a malformed URL such as '/%zz') get an OpenAI body too.
    frameworkErrors: (error, _req, reply) => {
      void (reply as FastifyReply).code(400).send(toErrorBody(makeError('invalid_request', { detail: error.message })));
    },
  });
  app.removeContentTypeParser('application/json');
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const raw = body as string;
    try {
      done(null, { raw, json: parseJson(raw) } satisfies JsonBody);
    } catch (err) {
      done(makeError('invalid_json', { detail: (err as Error).message }), undefined);
    }
  });
  app.setErrorHandler((err, _req, reply) => {
    void reply.code(errorStatus(err)).send(toErrorBody(err));
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send(toErrorBody(makeError('not_found', { method: req.method, url: req.url })));
  });
  if (options.apiKey) {
    const check = bearerChecker(options.apiKey);
    app.addHook('onRequest', async (req) => {
      if (!req.url.startsWith('/v1/') && !req.url.startsWith('/reset_prefix_cache')) return;
      const err = check(req.headers.authorization);
      if (err) throw err;
    });
  }

  const body = (b: unknown): JsonBody => {
    if (!b || typeof b !== 'object' || !('raw' in b)) throw makeError('invalid_json', { detail: 'a JSON body is required' });
    const jb = b as JsonBody;
    if (!jb.json || typeof jb.json !== 'object' || Array.isArray(jb.json)) throw makeError('invalid_request', { detail: 'the request body must be a JSON object' });
    return jb;
  };

  app.post('/v1/chat/completions', async (req, reply) => {
    const { raw, json } = body(req.body);
    const parsed = parseBody(ChatCompletionRequest, json);
    const wantsSpec = parsed.nvext?.agent_hints?.speculative_prefill === true;
    const p: ParsedCompletion = {
      raw,
      json: json as Record<string, unknown>,
      promptField: 'messages',
      ...prompts.chat(parsed.messages, options.maxModelLen),
      speculative: wantsSpec ? { model: parsed.model, messages: parsed.messages } : null,
    };
    return proxy('/v1/chat/completions', p, req, reply);
  });

  app.post('/v1/completions', async (req, reply) => {
    const { raw, json } = body(req.body);
    const blocks = prompts.completion(parseBody(CompletionRequest, json).prompt, options.maxModelLen);
    const p: ParsedCompletion = { raw, json: json as Record<string, unknown>, promptField: 'prompt', ...blocks, speculative: null };
    return proxy('/v1/completions', p, req, reply);
  });

  registerWorkerRoutes(app, pool, router, options.apiKey ? `Bearer ${options.apiKey}` : undefined);

  app.get('/version', async () => ({ version: KVLAB_VERSION }));

  app.get('/health', async (_req, reply) => {
    const workers = pool.endpoints.map((e) => ({ name: e.name, url: e.url, up: core.isUp(e.index), kvlab: pool.capabilities[e.index] !== null }));
    if (decodeDeps) for (const e of decodeDeps.pool.endpoints) workers.push({ name: e.name, url: e.url, up: decodeDeps.core.cores[0].isUp(e.index), kvlab: decodeDeps.pool.capabilities[e.index] !== null });
    const live = core.liveCount();
    return reply.code(live > 0 ? 200 : 503).send({ status: live > 0 ? 'ok' : 'unavailable', mode: options.mode, workers, indexBlocks: core.indexSize(), inFlight: router.inFlight, ...(router.size > 1 ? { replicas: router.size, replicaSync: options.replicaSync } : {}) });
  });

  app.get('/metrics', async (_req, reply) => {
    const text = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(text);
  });

  app.addHook('onClose', async () => {
    await Promise.allSettled([...speculative.pending]);
    await subscribers?.close();
    await pool.close();
    await decodeDeps?.pool.close();
  });

  return { app, state };
}

/** Build the router and listen on options.host:options.port (0 = ephemeral). */
export async function startRouter(partial: Partial<RouterOptions>, tokenizer?: ModelTokenizer, inProcess?: InProcessWorkers): Promise<RunningRouter> {
  const { app, state } = buildRouterApp(partial, tokenizer, inProcess);
  try {
    await app.listen({ host: state.options.host, port: state.options.port });
  } catch (err) {
    await app.close();
    throw err;
  }
  const addr = app.server.address() as AddressInfo;
  const host = state.options.host.includes(':') ? `[${state.options.host}]` : state.options.host;
  let closed = false;
  return {
    app,
    state,
    url: `http://${host}:${addr.port}`,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}
