/**
 * The llama-worker's HTTP face: a fastify app over one LlamaEngine with the mock worker's wire —
 * `/v1/models`, `/v1/models/{id}`, `/v1/completions` (text or token ids), `/v1/chat/completions`
 * (chat-format.ts), SSE streaming with usage and `cached_tokens`, `nvext.timing` (arrival and first
 * token, epoch ms) on the last chunks, `ignore_eos`/`max_tokens`, `/health`, `/version`, `/metrics`
 * under vLLM's names (mocker/server/metrics.ts) and `/reset_prefix_cache`. Request checks reuse the
 * mock's: OpenAI schemas (core/openai-schemas), the max_tokens / context-length rules
 * (mocker/server/plan.ts), OpenAI-shaped error bodies, `x-kvlab-worker` on every answer.
 *
 * Streams: one chunk per generated token; the finish reason comes on a last chunk with empty text
 * (an answer ends at EOS or max_tokens, known only after the last token), then the usage chunk when
 * asked. A client that goes away stops its request after the current token.
 *
 * `kvlabTokens` (kvlab-tokens.ts): prompts are tokenized by kvlab (o200k_base, its chat template) and
 * folded into the model's vocabulary, answers sent as one lorem word per token — the worker then
 * counts tokens as kvlab's mock and its simulations do.
 *
 * With a KV-event sink, each request's slot is announced at its first token in the router's blocks
 * (router-view.ts: kvlab's own tokenization of the prompt, as the router hashes it), and a prefix-cache
 * reset as AllBlocksCleared.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { performance } from 'node:perf_hooks';
import { makeError, toErrorBody, toKvlabError } from '../core/errors.ts';
import { ChatCompletionRequest, CompletionRequest, messageText, parseBody, requestIgnoresEos } from '../core/openai-schemas.ts';
import { ChatTokenizer } from '../core/chat-template.ts';
import { chatPromptTokens, singlePrompt, textPromptTokens } from '../core/prompt.ts';
import { encode } from '../core/tokenizer.ts';
import type { KvEventSink } from '../mocker/server/app.ts';
import { KVLAB_VERSION } from '../core/version.ts';
import { createWorkerMetrics } from '../mocker/server/metrics.ts';
import { sendError, workerFastify } from '../mocker/server/worker-fastify.ts';
import { resolveMaxTokens, type LengthFields } from '../mocker/server/plan.ts';
import { pieceChunk, usageChunk, usageOf, type JobKind, type ResponseHead, type Timing } from '../mocker/server/responses.ts';
import { chatPromptIds } from './chat-format.ts';
import { KvlabTokenFold } from './kvlab-tokens.ts';
import { RouterBlockView } from './router-view.ts';
import type { GenerationListener, LlamaEngine } from './llama-engine.ts';

export interface LlamaAppOptions {
  /** Served model name. */
  model: string;
  /** Worker name for `x-kvlab-worker`. */
  name: string;
  /** Answer length when a request sets none (capped by the context left). */
  defaultMaxTokens: number;
  bodyLimit: number;
  /** Where KV events go (in the router's blocks, router-view.ts); null: none are made. */
  kvEvents?: KvEventSink | null;
  /** Tokens per block of those events (the router's --block-size). */
  blockSize: number;
  /** Speak kvlab's tokenizer instead of the model's (kvlab-tokens.ts). */
  kvlabTokens: boolean;
}

export const DEFAULT_LLAMA_APP_OPTIONS: Readonly<Omit<LlamaAppOptions, 'name'>> = Object.freeze({
  model: 'kvlab-tiny-llama',
  defaultMaxTokens: 256,
  bodyLimit: 8 * 1024 * 1024,
  blockSize: 16,
  kvlabTokens: false,
});

const epochNow = (): number => performance.timeOrigin + performance.now();

type Body = LengthFields & { model: string; n?: number; stream?: boolean; stream_options?: { include_usage?: boolean } | null; temperature?: number | null; seed?: number | null };

interface Job {
  head: ResponseHead;
  prompt: number[];
  maxTokens: number;
  body: Body;
}

export function buildLlamaApp(engine: LlamaEngine, opts: LlamaAppOptions): FastifyInstance {
  const { model, name } = opts;
  let counter = 0;
  const metrics = createWorkerMetrics(model, () => {
    const s = engine.stats();
    // llama.cpp has no blocks: the block figures are in tokens (a block of one token).
    return {
      running: s.running,
      waiting: s.waiting,
      activeBlocks: s.cachedTokens,
      cachedFreeBlocks: 0,
      totalBlocks: s.capacityTokens,
      kvUsage: s.capacityTokens > 0 ? s.cachedTokens / s.capacityTokens : 0,
      prefixQueries: s.promptTokens,
      prefixHits: s.cachedPromptTokens,
      promptTokens: s.promptTokens,
      generationTokens: s.generationTokens,
      preemptions: 0,
    };
  });
  const contextSize = engine.contextSize;
  const sink = opts.kvEvents ?? null;
  const view = sink ? new RouterBlockView(engine.options.parallel, opts.blockSize) : null;
  const fold = opts.kvlabTokens ? new KvlabTokenFold(engine.vocabSize) : null;
  const chatTokenizer = sink || fold ? new ChatTokenizer() : null;
  /** The text a generated token is sent as. */
  const pieceOf = fold ? (token: number): string => fold.piece(token) : null;
  /** What to announce once a request's slot holds its prompt (the router's tokens of it). */
  const announcer = (routerTokens: () => readonly number[]): Announce | undefined => {
    if (!sink || !view) return undefined;
    const tokens = routerTokens();
    return (slot) => sink.publish(view.hold(slot, tokens), epochNow());
  };
  const vocab = engine.vocabSize;

  const app = workerFastify(name, opts.bodyLimit);

  app.get('/health', async () => ({ status: 'ok', worker: name, engine: 'llama.cpp' }));
  app.get('/version', async () => ({ version: KVLAB_VERSION }));
  const modelCard = () => ({ id: model, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'kvlab', root: model, parent: null, max_model_len: contextSize });
  app.get('/v1/models', async () => ({ object: 'list', data: [modelCard()] }));
  app.get('/v1/models/*', async (request) => {
    const id = (request.params as { '*': string })['*'];
    if (id !== model) throw makeError('model_not_found', { model: id, param: 'model' });
    return modelCard();
  });
  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.contentType);
    return metrics.render();
  });
  app.post('/reset_prefix_cache', async (_request, reply) => {
    if (!(await engine.resetCache())) {
      return sendError(reply, makeError('invalid_request', { detail: 'prefix cache not reset: requests are still running' }, { status: 409 }));
    }
    if (sink && view) sink.publish(view.clear(), epochNow());
    return { ok: true };
  });

  const precheck = (body: Body): void => {
    if (body.model !== model) throw makeError('model_not_found', { model: body.model, param: 'model' });
    if (body.n !== undefined && body.n > 1) throw makeError('n_not_supported', { n: body.n, param: 'n' });
  };
  const job = (kind: JobKind, prompt: number[], body: Body): Job => {
    const maxTokens = resolveMaxTokens(body, prompt.length, { maxModelLen: contextSize, maxTokensLimit: contextSize, defaultMaxTokens: opts.defaultMaxTokens });
    const n = counter++;
    return { head: { id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${name}-${n}`, kind, created: Math.floor(Date.now() / 1000), model }, prompt, maxTokens, body };
  };

  app.post('/v1/chat/completions', async (request, reply) => {
    const body = parseBody(ChatCompletionRequest, request.body);
    precheck(body);
    let prompt: number[];
    // kvlab's tokens of the prompt: the router's view, and with --kvlab-tokens the prompt itself.
    let kvlabIds: number[] | null = fold ? chatPromptTokens(chatTokenizer!, body.messages, contextSize) : null;
    try {
      prompt = fold ? fold.toModel(kvlabIds!) : chatPromptIds(engine, body.messages.map((m) => ({ role: m.role, content: messageText(m.content) })));
    } catch (err) {
      if (err instanceof RangeError) throw makeError('invalid_request', { detail: err.message, param: 'messages' });
      throw err;
    }
    const announce = announcer(() => (kvlabIds ??= chatPromptTokens(chatTokenizer!, body.messages)));
    return serve(engine, metrics, job('chat', prompt, body), reply, announce, pieceOf);
  });

  app.post('/v1/completions', async (request, reply) => {
    const body = parseBody(CompletionRequest, request.body);
    precheck(body);
    const one = singlePrompt(body.prompt);
    // With --kvlab-tokens, text and token ids are kvlab's (folded into the model's vocabulary).
    const kvlabIds = typeof one === 'string' ? (fold ? textPromptTokens(one, contextSize) : null) : fold ? one : null;
    const prompt = fold ? fold.toModel(kvlabIds!) : typeof one === 'string' ? engine.tokenize(one) : one;
    if (prompt.length === 0) throw makeError('invalid_request', { detail: 'prompt: must not be empty', param: 'prompt' });
    const bad = prompt.findIndex((t) => t >= vocab);
    if (bad >= 0) throw makeError('invalid_request', { detail: `prompt: token id ${prompt[bad]} at index ${bad} is out of vocabulary (${vocab} tokens)`, param: 'prompt' });
    const announce = announcer(() => kvlabIds ?? (typeof one === 'string' ? encode(one) : one));
    return serve(engine, metrics, job('text', prompt, body), reply, announce, pieceOf);
  });

  app.addHook('onClose', async () => engine.close());
  return app;
}

type Metrics = ReturnType<typeof createWorkerMetrics>;
/** Called once with the request's slot when its prompt is in the slot's cache (its first token). */
type Announce = (slot: number) => void;

/** Run a job on the engine and answer with SSE or one JSON body. */
function serve(engine: LlamaEngine, metrics: Metrics, job: Job, reply: FastifyReply, announce?: Announce, pieceOf?: ((token: number) => string) | null): Promise<unknown> | undefined {
  const { head, body } = job;
  const arrival = epochNow();
  const stream = body.stream === true;
  const includeUsage = body.stream_options?.include_usage === true;
  let firstAt: number | null = null;
  let cached = 0;
  let slot = -1;
  let produced = 0;
  let text = '';
  let done = false;
  const timing = (): Timing => ({ arrival_ms: arrival, first_token_ms: firstAt });
  const observe = (finish: string): void => {
    done = true;
    metrics.observeFinished(firstAt === null ? null : (firstAt - arrival) / 1000, (epochNow() - arrival) / 1000, finish);
  };
  const request = { prompt: job.prompt, maxTokens: job.maxTokens, ignoreEos: requestIgnoresEos(body), temperature: body.temperature ?? 1, seed: body.seed ?? null };
  /** The engine listener both answers share: slot, cached prefix, first-token time, token count. */
  const listen = (onPiece: (piece: string) => void, rest: Pick<GenerationListener, 'onEnd' | 'onError'>): GenerationListener => ({
    onStart(s, c) {
      [slot, cached] = [s, c];
    },
    onToken(token, piece) {
      if (firstAt === null) {
        firstAt = epochNow();
        announce?.(slot);
      }
      onPiece(pieceOf ? pieceOf(token) : piece);
      produced++;
    },
    ...rest,
  });

  if (stream) {
    const raw = reply.raw;
    const write = (obj: unknown): void => {
      if (!raw.destroyed) raw.write(`data: ${JSON.stringify(obj)}\n\n`);
    };
    reply.hijack();
    const headers: Record<string, string | number | string[]> = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v;
    raw.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const abort = engine.submit(
      request,
      listen((piece) => write(pieceChunk(head, { reasoning: false, text: piece }, { first: produced === 0, finishReason: null })), {
        onEnd(finish) {
          observe(finish);
          write(pieceChunk(head, { reasoning: false, text: '' }, { first: produced === 0, finishReason: finish, timing: timing() }));
          if (includeUsage) write(usageChunk(head, usageOf(job.prompt.length, produced, cached), timing()));
          if (!raw.destroyed) raw.end('data: [DONE]\n\n');
        },
        onError(err) {
          done = true;
          write(toErrorBody(toKvlabError(err)));
          if (!raw.destroyed) raw.end('data: [DONE]\n\n');
        },
      }),
    );
    raw.on('close', () => {
      if (!done) abort();
    });
    return undefined;
  }

  return new Promise((resolve, reject) => {
    const abort = engine.submit(
      request,
      listen((piece) => (text += piece), {
        onEnd(finish) {
          observe(finish);
          const choice =
            head.kind === 'chat'
              ? { index: 0, message: { role: 'assistant', content: text, reasoning_content: null }, logprobs: null, finish_reason: finish }
              : { index: 0, text, logprobs: null, finish_reason: finish };
          const object = head.kind === 'chat' ? 'chat.completion' : 'text_completion';
          resolve({ id: head.id, object, created: head.created, model: head.model, choices: [choice], usage: usageOf(job.prompt.length, produced, cached), nvext: { timing: timing() } });
        },
        onError(err) {
          done = true;
          reject(err);
        },
      }),
    );
    reply.raw.on('close', () => {
      if (!done) {
        abort();
        reject(makeError('invalid_request', { detail: 'client disconnected' }));
      }
    });
  });
}
