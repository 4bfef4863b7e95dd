/**
 * Disaggregated prefill/decode through the router (`decodeWorkers`), on vLLM's P/D wire format
 * (NixlConnector's `kv_transfer_params`, as vLLM's example P/D proxy drives it) and with Dynamo's
 * disaggregated routing (docs.nvidia.com/dynamo, Router, "Disaggregated Serving"):
 *  1. prefill leg: the router's own core (its policy over the prefill workers, fed by their KV events:
 *     the worker with the best KV overlap in kv mode) picks a prefill worker, which gets the request
 *     with `max_tokens: 1`, not streamed, and `kv_transfer_params: {do_remote_decode: true}`; its
 *     answer's `kv_transfer_params` (do_remote_prefill, remote engine and block ids) is kept;
 *  2. decode leg: the decode core — the kv cost with overlap weight 0, i.e. decode load alone, as
 *     Dynamo's decode stage runs with overlap_score_weight=0 — picks a decode worker, and the request as
 *     the client sent it plus those params is proxied there like any request (proxy.ts: relayed,
 *     streamed, retried once on another decode worker).
 * The client sees one answer, the decode worker's (its TTFT includes the prefill and the transfer).
 *
 * Errors: a prefill worker's 4xx is the client's (relayed with its status); a refused connection, a
 * 5xx or an answer without kv_transfer_params is a 502 (a 5xx or refusal marks the worker down).
 * Approximations: no retry of the prefill leg; speculative prefill is not sent in P/D mode.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { makeError } from '../../core/errors.ts';
import type { WorkerCapability } from '../../core/preprocessed.ts';
import { forwardHeaders, preprocessedBody, proxyCompletion, type ParsedCompletion, type ProxyDeps } from './proxy.ts';

/** What the prefill worker is asked: one token, one JSON answer, and to keep the KV for a remote decode. */
const PREFILL_FIELDS = { max_tokens: 1, stream: false, kv_transfer_params: { do_remote_decode: true, do_remote_prefill: false, remote_engine_id: null, remote_block_ids: null, remote_host: null, remote_port: null } };

function prefillBody(parsed: ParsedCompletion, cap: WorkerCapability | null): string {
  const json: Record<string, unknown> = { ...parsed.json, ...PREFILL_FIELDS };
  delete json.max_completion_tokens;
  delete json.stream_options;
  const body = { ...parsed, json };
  return cap === null || parsed.promptTokens === 0 ? JSON.stringify(json) : preprocessedBody(body, cap);
}

/** The message of an OpenAI error body (or the text itself). */
function errorMessage(text: string): string {
  try {
    const m = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    if (typeof m === 'string') return m;
  } catch {
    // not JSON: the text is the message
  }
  return text.slice(0, 200);
}

/** Run the prefill leg on a prefill worker; returns the kv_transfer_params for the decode worker. */
async function prefillLeg(deps: ProxyDeps, path: string, parsed: ParsedCompletion, headers: Record<string, string>): Promise<Record<string, unknown>> {
  const { core, pool } = deps;
  const id = deps.nextId();
  const { decision } = core.route(id, parsed.hashes, parsed.promptTokens, deps.nowMs());
  if (decision.worker === null) throw makeError('no_workers');
  const w = decision.worker;
  const ep = pool.endpoints[w];
  try {
    let status: number;
    let text: string;
    try {
      const res = await ep.pool.request({ path, method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: prefillBody(parsed, pool.capabilities[w]) });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      pool.markDown(w);
      throw makeError('upstream_unavailable', { upstream: ep.name, detail: `prefill: ${(err as Error).message}` });
    }
    if (status >= 500) {
      pool.markDown(w);
      throw makeError('upstream_unavailable', { upstream: ep.name, detail: `prefill: HTTP ${status}` });
    }
    if (status !== 200) throw makeError('invalid_request', { detail: `prefill worker ${ep.name}: ${errorMessage(text)}` }, { status });
    core.firstToken(id, deps.nowMs());
    let params: unknown;
    try {
      params = (JSON.parse(text) as { kv_transfer_params?: unknown }).kv_transfer_params;
    } catch {
      params = undefined;
    }
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      throw makeError('upstream_unavailable', { upstream: ep.name, detail: 'the prefill worker answered without kv_transfer_params (is it in disaggregation mode prefill?)' });
    }
    deps.metrics.requests.inc({ worker: ep.name, mode: core.opts.mode });
    return params as Record<string, unknown>;
  } finally {
    core.finish(id);
  }
}

/** Serve one completion disaggregated: prefill on a prefill worker (`prefill`'s core), decode on a decode worker (`decode`'s). */
export async function proxyDisaggregated(prefill: ProxyDeps, decode: ProxyDeps, path: string, parsed: ParsedCompletion, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = await prefillLeg(prefill, path, parsed, forwardHeaders(request.headers));
  const json = { ...parsed.json, kv_transfer_params: params };
  return proxyCompletion(decode, path, { ...parsed, json, raw: JSON.stringify(json), speculative: null }, request, reply);
}
