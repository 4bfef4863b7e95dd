/**
 * What the client asks a server besides completions: its model cards (`GET /v1/models`: the served
 * ids and, where the server reports it as vLLM does, `max_model_len`) and a prefix-cache reset before
 * a measured run. The reset is `POST /reset_prefix_cache` (kvlab's mock and router; vLLM serves it
 * only with VLLM_SERVER_DEV_MODE=1), falling back to `POST /flush_cache` (SGLang) when the server has
 * no such route. A reset the server refuses — kvlab's 409, vLLM's `{"success": false}`, SGLang's 400
 * (requests still running) — is an error with the server's own message.
 */
import { request, type Dispatcher } from 'undici';

export interface ModelCard {
  id: string;
  /** The context length the server enforces, when its card says (vLLM's `max_model_len`). */
  maxModelLen: number | null;
}

export interface AdminTarget {
  dispatcher: Dispatcher;
  /** `http://host:port/prefix/v1` (transport.apiBase). */
  apiBase: string;
  headers: Record<string, string>;
  /** Upper bound per call, ms. */
  timeoutMs: number;
}

interface Answer {
  status: number;
  text: string;
}

async function call(t: AdminTarget, method: 'GET' | 'POST', url: string, signal: AbortSignal | undefined): Promise<Answer> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), t.timeoutMs);
  const onAbort = () => ac.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await request(url, { method, dispatcher: t.dispatcher, signal: ac.signal, headers: t.headers });
    return { status: res.statusCode, text: await res.body.text() };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`${method} ${url} failed: ${ac.signal.aborted && !signal?.aborted ? 'timeout' : msg}`);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The server's own message in an error answer (OpenAI error body, `message`, or the text). */
function messageOf(a: Answer): string {
  const body = parse(a.text) as { error?: { message?: unknown }; message?: unknown } | null;
  const m = body?.error?.message ?? body?.message;
  return typeof m === 'string' ? m : a.text.trim().slice(0, 200);
}

export async function listModelCards(t: AdminTarget, signal?: AbortSignal): Promise<ModelCard[]> {
  const url = `${t.apiBase}/models`;
  const a = await call(t, 'GET', url, signal);
  if (a.status !== 200) throw new Error(`GET ${url}: HTTP ${a.status} ${a.text.slice(0, 200)}`);
  const data = (parse(a.text) as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return [];
  const cards: ModelCard[] = [];
  for (const m of data as Array<{ id?: unknown; max_model_len?: unknown }>) {
    if (typeof m?.id !== 'string') continue;
    const len = m.max_model_len;
    cards.push({ id: m.id, maxModelLen: typeof len === 'number' && Number.isInteger(len) && len > 0 ? len : null });
  }
  return cards;
}

/** The server root of an API base: `http://h:p/x/v1` → `http://h:p/x`. */
export function serverRoot(apiBase: string): string {
  return apiBase.replace(/\/v1$/, '');
}

/** Reset the server's prefix cache; throws with the server's reason when it cannot or will not. */
export async function resetPrefixCache(t: AdminTarget, signal?: AbortSignal): Promise<void> {
  const root = serverRoot(t.apiBase);
  let url = `${root}/reset_prefix_cache`;
  let a = await call(t, 'POST', url, signal);
  if (a.status === 404 || a.status === 405) {
    url = `${root}/flush_cache`;
    a = await call(t, 'POST', url, signal);
    if (a.status === 404 || a.status === 405) {
      throw new Error(
        `${root} has no prefix-cache reset: neither POST /reset_prefix_cache (kvlab; vLLM with VLLM_SERVER_DEV_MODE=1) nor POST /flush_cache (SGLang) exists`,
      );
    }
  }
  const refused = (parse(a.text) as { success?: unknown } | null)?.success === false;
  if (a.status < 200 || a.status >= 300 || refused) {
    throw new Error(`POST ${url}: the server did not reset its prefix cache (HTTP ${a.status}${refused ? ', success: false' : ''}: ${messageOf(a) || 'no reason given'})`);
  }
}
