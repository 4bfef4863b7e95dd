/**
 * Speculative prefill (Dynamo's agent hint `nvext.agent_hints.speculative_prefill`): once a chat
 * answer has been streamed to the client, send the next turn's prefix — the request's messages plus
 * the streamed answer as an assistant message (reasoning stripped, as chat templates drop it) — to the
 * SAME worker with `max_tokens: 1`, non-streaming, and drain the answer. The worker then holds the
 * whole history in its prefix cache before the user's next turn arrives. Fire and forget: it never
 * delays or alters the client's response. A kvlab worker gets the history preprocessed (its token
 * ids and block hashes, core/preprocessed), like every request the router sends it.
 */
import { preprocessedPrompt, PREPROCESSED_FIELD, type WorkerCapability } from '../../core/preprocessed.ts';
import type { CompletionDispatcher } from './worker-pool.ts';

export interface SpeculativeRequest {
  model: unknown;
  messages: readonly unknown[];
  answer: string;
}

export function speculativeBody(req: SpeculativeRequest): string {
  return JSON.stringify({
    model: req.model,
    messages: [...req.messages, { role: 'assistant', content: req.answer }],
    max_tokens: 1,
    stream: false,
  });
}

/** The same request for a kvlab worker with `cap`: the history as token ids and block hashes. */
export function preprocessedSpeculativeBody(model: unknown, tokens: readonly number[], hashes: readonly number[], cap: WorkerCapability): string {
  return JSON.stringify({ model, [PREPROCESSED_FIELD]: preprocessedPrompt(tokens, hashes, cap), max_tokens: 1, stream: false });
}

/**
 * Send and drain through the worker's completion dispatcher (its HTTP pool, or the embedded cluster's
 * in-process link); resolves true on a 2xx answer, false on any failure (never rejects).
 */
export function sendSpeculativePrefill(dispatcher: CompletionDispatcher, body: string, headers: Record<string, string>): Promise<boolean> {
  return new Promise((resolve) => {
    let status = 0;
    try {
      dispatcher.dispatch(
        { path: '/v1/chat/completions', method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body },
        {
          onRequestStart() {},
          onResponseStart(_c, statusCode) {
            status = statusCode;
          },
          onResponseData() {},
          onResponseEnd: () => resolve(status >= 200 && status < 300),
          onResponseError: () => resolve(false),
        },
      );
    } catch {
      resolve(false);
    }
  });
}
