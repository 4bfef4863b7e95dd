/**
 * The router's routes that are answered by its workers rather than routed: `GET /v1/models` and
 * `GET /v1/models/{id}` come from the first live worker (relayed as it answered; a worker that fails
 * with 5xx or no answer is marked down and the next one is asked), and `POST /reset_prefix_cache` is
 * sent to every worker, so one call clears a whole cluster's prefix caches between A/B runs. A
 * worker that reset also has its entries dropped from the router's own memory of it (the event-fed
 * index at once, before its AllBlocksCleared event arrives, and kv-approx's record of its decisions).
 *
 * The reset answers 200 `{ok: true, workers: [{name, status}]}` when every worker reset (a 2xx that
 * is not vLLM's `{"success": false}`); otherwise an OpenAI error body naming each worker's outcome,
 * with 409 when a worker refused because requests were running (kvlab's 409, vLLM's
 * `success: false`), else 502.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { makeError } from '../../core/errors.ts';
import type { RouterReplicas } from '../router-replicas.ts';
import type { WorkerPool } from './worker-pool.ts';

/** How long a worker gets to answer an admin request, ms. */
const ADMIN_TIMEOUT_MS = 10_000;

interface ResetOutcome {
  name: string;
  /** HTTP status, or null when the worker did not answer. */
  status: number | null;
  ok: boolean;
  detail: string;
}


function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown }; message?: unknown };
    const m = body.error?.message ?? body.message;
    if (typeof m === 'string') return m;
  } catch {
    // not JSON: the text itself
  }
  return text.trim().slice(0, 200);
}

/** vLLM ≥ 0.11 answers `{"success": false}` with a 200 when blocks are still held. */
function refusedInBody(text: string): boolean {
  try {
    return (JSON.parse(text) as { success?: unknown }).success === false;
  } catch {
    return false;
  }
}

export function registerWorkerRoutes(app: FastifyInstance, pool: WorkerPool, core: RouterReplicas, authorization: string | undefined): void {
  const headersOf = (auth: string | undefined): Record<string, string> => {
    const a = auth ?? authorization;
    return a ? { authorization: a } : {};
  };

  const fromFirstLiveWorker = async (path: string, auth: string | undefined) => {
    for (const ep of pool.endpoints) {
      if (!core.isUp(ep.index)) continue;
      try {
        const res = await ep.pool.request({ path, method: 'GET', headers: headersOf(auth) });
        const text = await res.body.text();
        if (res.statusCode >= 500) {
          pool.markDown(ep.index);
          continue;
        }
        return { status: res.statusCode, text, worker: ep.name };
      } catch {
        pool.markDown(ep.index);
      }
    }
    throw makeError('no_workers');
  };

  const relay = (path: (url: string) => string) =>
    async function handler(req: FastifyRequest, reply: FastifyReply) {
      const out = await fromFirstLiveWorker(path(req.url), req.headers.authorization);
      return reply.code(out.status).header('content-type', 'application/json; charset=utf-8').header('x-kvlab-worker', out.worker).send(out.text);
    };

  app.get('/v1/models', relay(() => '/v1/models'));
  // The id as the client sent it (slashes or percent-encoding kept): the worker decodes it.
  app.get('/v1/models/*', relay((url) => url.split('?')[0]));

  app.post('/reset_prefix_cache', async (req, reply) => {
    const outcomes = await Promise.all(
      pool.endpoints.map(async (ep): Promise<ResetOutcome> => {
        try {
          const res = await ep.pool.request({ path: '/reset_prefix_cache', method: 'POST', headers: headersOf(req.headers.authorization), headersTimeout: ADMIN_TIMEOUT_MS, bodyTimeout: ADMIN_TIMEOUT_MS });
          const text = await res.body.text();
          const ok = res.statusCode >= 200 && res.statusCode < 300 && !refusedInBody(text);
          return { name: ep.name, status: ok || res.statusCode !== 200 ? res.statusCode : 409, ok, detail: ok ? '' : messageOf(text) || 'not reset' };
        } catch (err) {
          return { name: ep.name, status: null, ok: false, detail: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
    outcomes.forEach((o, w) => {
      if (!o.ok) return;
      core.resetWorker(w);
    });
    if (outcomes.every((o) => o.ok)) return reply.send({ ok: true, workers: outcomes.map((o) => ({ name: o.name, status: o.status })) });
    const busy = outcomes.some((o) => o.status === 409);
    const detail = outcomes.map((o) => (o.ok ? `${o.name}: reset` : `${o.name}: ${o.status === null ? 'no answer' : `HTTP ${o.status}`} ${o.detail}`.trim())).join('; ');
    throw makeError('invalid_request', { detail: `prefix caches not reset on every worker (${detail})` }, { status: busy ? 409 : 502, type: busy ? 'invalid_request_error' : 'server_error' });
  });
}
