/**
 * Serving one planned completion job through the driver: streamed as SSE (`data: {json}\n\n` …
 * `data: [DONE]\n\n`, one chunk per run of same-kind tokens of a step, the role on the first chunk,
 * finish reason and `nvext.timing` on the last token chunk, optional usage chunk with `choices: []`),
 * or as one JSON body when the request finishes. A client that disconnects before the end aborts its
 * request, which releases its KV blocks.
 *
 * Times (TTFT, E2E, the timing stamp) are the engine's step deadlines on the driver's monotonic clock,
 * clamped to be no earlier than the request's arrival (when the loop runs late, a step may nominally
 * start before a request that joins it arrived).
 */
import type { FastifyReply } from 'fastify';
import { makeError } from '../../core/errors.ts';
import type { EngineDriver } from './driver.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { OutputPlan } from './plan.ts';
import { fullBody, pieceChunk, piecesOf, usageChunk, usageOf, withTierHits, type ResponseHead, type TextOf, type Timing } from './responses.ts';

export interface Job {
  head: ResponseHead;
  /** The prompt's token ids (hashOnly: only those after its last full block). */
  prompt: number[];
  promptLength: number;
  /** Chained hashes of the prompt's full blocks, when the caller already has them. */
  promptHashes?: number[];
  /** The full blocks are known by their hashes only (EngineRequest.promptLength). */
  hashOnly: boolean;
  plan: OutputPlan;
  stream: boolean;
  includeUsage: boolean;
  /** vLLM's request priority and Dynamo's latency sensitivity (seconds), when the request carries them. */
  priority?: number;
  latencySensitivityS?: number;
  /** kv_transfer_params (app.ts): pull the prompt's KV (decode worker) / hand it to a decode worker (prefill worker). */
  remotePrefill?: boolean;
  remoteDecode?: boolean;
}

export interface ServeContext {
  driver: EngineDriver;
  metrics: WorkerMetrics;
  /** Text of answer tokens (default kvlab's lorem). */
  textOf?: TextOf;
  /** The worker's name, its `remote_engine_id` in kv_transfer_params. */
  engineId?: string;
}

interface Progress {
  arrival: number;
  firstAt: number | null;
  cached: number;
  /** Of `cached`, tokens loaded from the engine's CPU / disk offload tier (null: no tiers). */
  tiers: { cpu: number; disk: number } | null;
  sent: number;
  done: boolean;
  /** A remote-decode request's KV blocks, when it finished. */
  remoteBlockIds?: number[];
}

function submit(ctx: ServeContext, job: Job, progress: Progress, listener: { onPieces(d: { tokens: number[]; first: boolean }): void; onEnd(): void }): void {
  const { driver, metrics } = ctx;
  try {
    driver.submit(
      {
        id: job.head.id,
        prompt: job.prompt,
        promptHashes: job.promptHashes,
        promptLength: job.hashOnly ? job.promptLength : undefined,
        output: job.plan.tokens,
        arrivalMs: progress.arrival,
        priority: job.priority,
        latencySensitivityS: job.latencySensitivityS,
        ...(job.remotePrefill ? { remotePrefill: true } : {}),
        ...(job.remoteDecode ? { remoteDecode: true } : {}),
      },
      {
        onTokens(d) {
          if (d.first || progress.firstAt === null) {
            progress.firstAt = Math.max(progress.arrival, d.atMs);
            progress.cached = d.cachedTokens ?? progress.cached;
            if (d.cpuCachedTokens !== undefined) progress.tiers = { cpu: d.cpuCachedTokens, disk: d.diskCachedTokens ?? 0 };
          }
          listener.onPieces(d);
          progress.sent += d.tokens.length;
        },
        onFinished(atMs, remoteBlockIds) {
          progress.done = true;
          progress.remoteBlockIds = remoteBlockIds;
          const end = Math.max(progress.arrival, atMs);
          const ttft = progress.firstAt === null ? null : (progress.firstAt - progress.arrival) / 1000;
          metrics.observeFinished(ttft, (end - progress.arrival) / 1000, job.plan.finishReason);
          listener.onEnd();
        },
      },
    );
  } catch (err) {
    if (err instanceof RangeError) throw makeError('invalid_request', { detail: err.message, param: 'messages' });
    throw err;
  }
}

function timingOf(ctx: ServeContext, p: Progress): Timing {
  const clock = ctx.driver.clock;
  return { arrival_ms: clock.toEpochMs(p.arrival), first_token_ms: p.firstAt === null ? null : clock.toEpochMs(p.firstAt) };
}

/**
 * What a prefill worker answers a `do_remote_decode` request with, for the decode worker: vLLM
 * NixlConnector's fields; host and port are null (kvlab moves no bytes between processes).
 */
function handoffParams(ctx: ServeContext, job: Job, p: Progress): Record<string, unknown> {
  return {
    do_remote_prefill: true,
    do_remote_decode: false,
    remote_engine_id: ctx.engineId ?? null,
    remote_block_ids: p.remoteBlockIds ?? [],
    remote_request_id: job.head.id,
    remote_host: null,
    remote_port: null,
    tp_size: 1,
  };
}

/** Stream the job as SSE on the raw response (the reply is hijacked). */
export function serveStream(ctx: ServeContext, job: Job, reply: FastifyReply): void {
  const progress: Progress = { arrival: ctx.driver.clock.now(), firstAt: null, cached: 0, tiers: null, sent: 0, done: false };
  const raw = reply.raw;
  const write = (obj: unknown): void => {
    if (!raw.destroyed) raw.write(`data: ${JSON.stringify(obj)}\n\n`);
  };
  const total = job.plan.tokens.length;
  submit(ctx, job, progress, {
    onPieces(d) {
      const pieces = piecesOf(d.tokens, progress.sent, job.plan.reasoningCount, ctx.textOf);
      const last = progress.sent + d.tokens.length === total;
      pieces.forEach((piece, k) => {
        const final = last && k === pieces.length - 1;
        write(
          pieceChunk(job.head, piece, {
            first: d.first && k === 0,
            finishReason: final ? job.plan.finishReason : null,
            timing: final ? timingOf(ctx, progress) : undefined,
          }),
        );
      });
    },
    onEnd() {
      if (job.includeUsage) write(withTierHits(usageChunk(job.head, usageOf(job.promptLength, total, progress.cached), timingOf(ctx, progress)), progress.cached, progress.tiers));
      if (!raw.destroyed) raw.end('data: [DONE]\n\n');
    },
  });
  reply.hijack();
  const headers: Record<string, string | number | string[]> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v;
  raw.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  raw.on('close', () => {
    if (!progress.done) {
      progress.done = true;
      ctx.driver.abort(job.head.id);
    }
  });
}

/** Answer with one JSON body once the job finishes. */
export function serveFull(ctx: ServeContext, job: Job, reply: FastifyReply): Promise<Record<string, unknown>> {
  const progress: Progress = { arrival: ctx.driver.clock.now(), firstAt: null, cached: 0, tiers: null, sent: 0, done: false };
  return new Promise((resolve, reject) => {
    try {
      submit(ctx, job, progress, {
        onPieces() {},
        onEnd() {
          const body = withTierHits(fullBody(job.head, job.plan, usageOf(job.promptLength, job.plan.tokens.length, progress.cached), timingOf(ctx, progress), ctx.textOf), progress.cached, progress.tiers);
          if (job.remoteDecode) body.kv_transfer_params = handoffParams(ctx, job, progress);
          resolve(body);
        },
      });
    } catch (err) {
      reject(err);
      return;
    }
    reply.raw.on('close', () => {
      if (!progress.done) {
        progress.done = true;
        ctx.driver.abort(job.head.id);
        reject(makeError('invalid_request', { detail: 'client disconnected' }));
      }
    });
  });
}
