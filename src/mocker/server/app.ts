/**
 * One mock worker as a fastify app: one engine, one real-time driver, one metrics registry, vLLM's
 * OpenAI-compatible routes (`/v1/models`, `/v1/models/{id}` — which vLLM lacks and the OpenAI SDKs'
 * `models.retrieve` calls —, `/v1/chat/completions`, `/v1/completions`) plus `/health`, `/version`,
 * `/metrics` and `/reset_prefix_cache`. The model card is vLLM's (`max_model_len`, `root`, `parent`).
 * Every answer, errors included, carries `x-kvlab-worker`.
 *
 * Request checks, in order: API key (before the body is read), body size (413, before parsing),
 * content type (415), JSON (400), schema (400, param = the field), model (404), n (400), injected
 * failure, prompt length (byte bound, then exact), max_tokens bound, waiting-queue bound (429).
 * Errors are OpenAI-shaped bodies; the server keeps serving.
 *
 * A kvlab router hands this worker preprocessed prompts (`kvlab_prompt`, core/preprocessed: token ids
 * and block hashes, or hashes and the last partial block's ids when the engine publishes KV events
 * without token ids): the worker then neither tokenizes nor hashes. `/health` advertises what it takes
 * under `kvlab`; a request without `kvlab_prompt` is served from its messages / prompt as always.
 *
 * Disaggregated prefill/decode (`disaggregationMode`), vLLM's NixlConnector wire format: a request's
 * `kv_transfer_params.do_remote_decode: true` on a prefill worker runs as usual and its (non-streamed)
 * answer carries `kv_transfer_params` for the decode worker (`do_remote_prefill: true`, `remote_engine_id`
 * = this worker's name, `remote_block_ids` = the engine blocks that held the KV, `remote_request_id`;
 * `remote_host`/`remote_port` null: no bytes move); `do_remote_prefill: true` on a decode worker pulls
 * the prompt's KV over the engine's transfer link (its remote_* fields are accepted, not used). Either
 * flag to a worker whose mode cannot honour it is a 400 with param `kv_transfer_params`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { makeError } from '../../core/errors.ts';
import { ChatCompletionRequest, CompletionRequest, parseBody, PreprocessedChatRequest, PreprocessedCompletionRequest, requestPriority, type KvTransferParams, type NvExt } from '../../core/openai-schemas.ts';
import { PREPROCESSED_FIELD, readPreprocessed, workerCapability, type PromptInput } from '../../core/preprocessed.ts';
import { createRng, type Rng } from '../../core/rng.ts';
import { o200kTokenizer, type ModelTokenizer } from '../../core/tokenizers/model-tokenizer.ts';
import type { OutgoingKvEvent } from '../../core/kv-event-codec.ts';
import { Engine, remoteRequestProblem } from '../engine/index.ts';
import { VllmEventHasher } from './vllm-hash-events.ts';
import { bearerChecker } from '../../core/api-key.ts';
import { KVLAB_VERSION } from '../../core/version.ts';
import type { DriverClock } from './clock.ts';
import { EngineDriver } from './driver.ts';
import { sendError, WORKER_HEADER, workerFastify } from './worker-fastify.ts';
import { FAIL_HEADER, failureInjector } from './failures.ts';
import { createWorkerMetrics } from './metrics.ts';
import { engineConfigOf, engineOptionsOf, resolveMockerOptions, type MockerOptions, type ResolvedMockerOptions } from './options.ts';
import { planOutput, resolveMaxTokens, type LengthFields } from './plan.ts';
import { chatPromptTokens, completionPromptTokens } from './prompt.ts';
import { isVllmHashAlgo } from '../../core/vllm-block-hash.ts';
import type { JobKind } from './responses.ts';
import { serveFull, serveStream, type Job, type ServeContext } from './serve.ts';

export { WORKER_HEADER };

/** Where a worker's KV events go (the ZeroMQ publisher, or an in-memory sink in tests). */
export interface KvEventSink {
  publish(events: readonly OutgoingKvEvent[], epochMs: number): void;
}

export interface WorkerAppOptions {
  /** Mocker options (resolved and validated here). */
  options?: Partial<MockerOptions>;
  /** Worker name for `x-kvlab-worker` and seeds; default `worker-0`. */
  name?: string;
  /** The engine to serve; default a new one from the options. */
  engine?: Engine;
  kvEvents?: KvEventSink | null;
  /** Clock for the driver; default the real monotonic clock. */
  clock?: DriverClock;
  /** Prompt and answer tokenizer (`--tokenizer`); default kvlab's o200k_base. */
  tokenizer?: ModelTokenizer;
}

const PROTECTED = /^\/(v1\/|reset_prefix_cache)/;

interface WorkerState {
  opts: ResolvedMockerOptions;
  name: string;
  engine: Engine;
  serve: ServeContext;
  tokenizer: ModelTokenizer;
  failures: ReturnType<typeof failureInjector>;
  counter: number;
  created: () => number;
}

/** Shared front half of both completion routes: checks that do not need the prompt. */
function precheck(state: WorkerState, request: FastifyRequest, body: { model: string; n?: number; kv_transfer_params?: KvTransferParams | null }): void {
  if (body.model !== state.opts.model) throw makeError('model_not_found', { model: body.model, param: 'model' });
  if (body.n !== undefined && body.n > 1) throw makeError('n_not_supported', { n: body.n, param: 'n' });
  const kv = body.kv_transfer_params;
  const remote = remoteRequestProblem(state.opts.disaggregationMode, kv?.do_remote_prefill === true, kv?.do_remote_decode === true);
  if (remote !== null) throw makeError('invalid_request', { detail: `kv_transfer_params: ${remote}`, param: 'kv_transfer_params' });
  const injected = state.failures.check(request.headers[FAIL_HEADER]);
  if (injected) throw injected;
}

/** A prompt the worker tokenized itself. */
function plainPrompt(tokens: number[]): PromptInput {
  return { length: tokens.length, tokenIds: tokens, hashes: [], hashOnly: false };
}

/** The body carries a preprocessed prompt (a kvlab router sent it). */
function isPreprocessed(body: unknown): boolean {
  return body !== null && typeof body === 'object' && Object.hasOwn(body, PREPROCESSED_FIELD);
}

function makeJob(
  state: WorkerState,
  kind: JobKind,
  prompt: PromptInput,
  body: LengthFields & { seed?: number | null; stream?: boolean; stream_options?: { include_usage?: boolean } | null; priority?: number; nvext?: NvExt; kv_transfer_params?: KvTransferParams | null },
): Job {
  const { opts } = state;
  const maxTokens = resolveMaxTokens(body, prompt.length, opts);
  const waiting = state.engine.stats().waiting;
  if (opts.maxWaiting !== null && waiting >= opts.maxWaiting) throw makeError('queue_full', { queued: waiting, limit: opts.maxWaiting });
  const n = state.counter++;
  const rng: Rng = body.seed != null ? createRng(`request-seed/${body.seed}`) : createRng(`${opts.seed}/${state.name}/${n}`);
  const plan = planOutput(body, maxTokens, rng, kind === 'chat' ? opts.reasoningRatio : 0, (r, n, c) => state.tokenizer.answerTokens(r, n, c));
  return {
    head: { id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${state.name}-${n}`, kind, created: state.created(), model: opts.model },
    prompt: prompt.tokenIds,
    promptLength: prompt.length,
    promptHashes: prompt.hashes.length > 0 || prompt.hashOnly ? prompt.hashes : undefined,
    hashOnly: prompt.hashOnly,
    plan,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    ...requestPriority(body),
    remotePrefill: body.kv_transfer_params?.do_remote_prefill === true,
    remoteDecode: body.kv_transfer_params?.do_remote_decode === true,
  };
}

function run(state: WorkerState, job: Job, reply: FastifyReply): Promise<Record<string, unknown>> | undefined {
  if (job.stream) {
    serveStream(state.serve, job, reply);
    return undefined;
  }
  return serveFull(state.serve, job, reply);
}

/** Build one worker's app (not listening). Closing the app stops its driver. */
export function buildWorkerApp(appOpts: WorkerAppOptions = {}): FastifyInstance {
  const opts = resolveMockerOptions(appOpts.options);
  const name = appOpts.name ?? 'worker-0';
  const engine = appOpts.engine ?? new Engine(engineConfigOf(opts), opts.profile ?? undefined, engineOptionsOf(opts));
  const sink = appOpts.kvEvents ?? null;
  const vllmHashes = sink && isVllmHashAlgo(opts.prefixCachingHashAlgo) ? new VllmEventHasher(opts.hashSeed, opts.prefixCachingHashAlgo) : null;
  const driver = new EngineDriver(engine, {
    clock: appOpts.clock,
    arrivalDelayMs: (opts.profile?.frontendMs ?? 0) / opts.speedupRatio,
    onKvEvents: sink ? (events, atMs) => sink.publish(vllmHashes ? vllmHashes.translate(events) : events, driver.clock.toEpochMs(atMs)) : undefined,
  });
  const metrics = createWorkerMetrics(opts.model, () => engine.stats());
  const tokenizer = appOpts.tokenizer ?? o200kTokenizer();
  const state: WorkerState = {
    opts,
    name,
    engine,
    serve: { driver, metrics, textOf: (tokens) => tokenizer.answerText(tokens), engineId: name },
    tokenizer,
    failures: failureInjector(opts.failureRate, opts.failureCodes, createRng(`${opts.seed}/${name}/failures`)),
    counter: 0,
    created: () => Math.floor(driver.clock.toEpochMs(driver.clock.now()) / 1000),
  };

  const app = workerFastify(name, opts.bodyLimit);
  const checkKey = opts.apiKey !== null ? bearerChecker(opts.apiKey) : null;
  if (checkKey) {
    app.addHook('onRequest', async (request) => {
      if (PROTECTED.test(request.url)) {
        const err = checkKey(request.headers.authorization);
        if (err) throw err;
      }
    });
  }
  app.addHook('onClose', async () => driver.close());

  const capability = workerCapability(opts.blockSize, !opts.kvEventTokenIds, tokenizer.id);
  app.get('/health', async () => ({ status: 'ok', worker: name, kvlab: capability }));

  // vLLM's model card: the served name, its root, and the context length clients check prompts against.
  const modelCard = () => ({ id: opts.model, object: 'model', created: state.created(), owned_by: 'kvlab', root: opts.model, parent: null, max_model_len: opts.maxModelLen });

  app.get('/v1/models', async () => ({ object: 'list', data: [modelCard()] }));

  // The id may hold slashes (a Hugging Face name), sent as they are or percent-encoded.
  app.get('/v1/models/*', async (request) => {
    const id = (request.params as { '*': string })['*'];
    if (id !== opts.model) throw makeError('model_not_found', { model: id, param: 'model' });
    return modelCard();
  });

  app.get('/version', async () => ({ version: KVLAB_VERSION }));

  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.contentType);
    return metrics.render();
  });

  app.post('/reset_prefix_cache', async (_request, reply) => {
    const { ok } = driver.resetPrefixCache();
    if (!ok) {
      return sendError(
        reply,
        makeError('invalid_request', { detail: 'prefix cache not reset: requests are still running' }, { status: 409 }),
      );
    }
    return { ok: true };
  });

  const hashOnly = capability.hash_only;

  app.post('/v1/chat/completions', async (request, reply) => {
    if (isPreprocessed(request.body)) {
      const body = parseBody(PreprocessedChatRequest, request.body);
      precheck(state, request, body);
      return run(state, makeJob(state, 'chat', readPreprocessed(body.kvlab_prompt, opts.blockSize, hashOnly, tokenizer.isValidToken.bind(tokenizer)), body), reply);
    }
    const body = parseBody(ChatCompletionRequest, request.body);
    precheck(state, request, body);
    const prompt = chatPromptTokens(state.tokenizer, body.messages, opts.maxModelLen);
    return run(state, makeJob(state, 'chat', plainPrompt(prompt), body), reply);
  });

  app.post('/v1/completions', async (request, reply) => {
    if (isPreprocessed(request.body)) {
      const body = parseBody(PreprocessedCompletionRequest, request.body);
      precheck(state, request, body);
      return run(state, makeJob(state, 'text', readPreprocessed(body.kvlab_prompt, opts.blockSize, hashOnly, tokenizer.isValidToken.bind(tokenizer)), body), reply);
    }
    const body = parseBody(CompletionRequest, request.body);
    precheck(state, request, body);
    const prompt = completionPromptTokens(body.prompt, opts.maxModelLen, tokenizer);
    return run(state, makeJob(state, 'text', plainPrompt(prompt), body), reply);
  });

  return app;
}
