/** HTTP helpers shared by the router's integration tests (not a test file itself). */
export interface ChatResult {
  status: number;
  worker: string | null;
  upstreamWorker: string | null;
  content: string;
  reasoning: string;
  finishReason: string | null;
  cachedTokens: number | null;
  promptTokens: number | null;
  raw: string;
}

/** POST a chat/completions request (streaming or not) and collect what came back. */
export async function chat(baseUrl: string, body: Record<string, unknown>, headers: Record<string, string> = {}, path = '/v1/chat/completions'): Promise<ChatResult> {
  const res = await fetch(baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const raw = await res.text();
  const out: ChatResult = {
    status: res.status,
    worker: res.headers.get('x-kvlab-worker'),
    upstreamWorker: res.headers.get('x-kvlab-upstream-worker'),
    content: '',
    reasoning: '',
    finishReason: null,
    cachedTokens: null,
    promptTokens: null,
    raw,
  };
  const take = (obj: any) => {
    const c = obj?.choices?.[0];
    if (c?.delta) {
      out.content += c.delta.content ?? '';
      out.reasoning += c.delta.reasoning_content ?? '';
    } else if (c?.message) {
      out.content += c.message.content ?? '';
      out.reasoning += c.message.reasoning_content ?? '';
    } else if (typeof c?.text === 'string') out.content += c.text;
    if (c?.finish_reason) out.finishReason = c.finish_reason;
    if (obj?.usage) {
      out.promptTokens = obj.usage.prompt_tokens ?? null;
      out.cachedTokens = obj.usage.prompt_tokens_details?.cached_tokens ?? null;
    }
  };
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    for (const line of raw.split('\n')) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      take(JSON.parse(line.slice(6)));
    }
  } else if (res.status === 200) take(JSON.parse(raw));
  return out;
}

export { waitFor } from '../helpers/wait.ts';

/** Values of one metric family from Prometheus text, keyed by the label part ('' when unlabelled). */
export function metricValues(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    if (m[1] === name) out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}
