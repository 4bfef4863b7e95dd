/**
 * A closed-loop SSE load generator for throughput benchmarks: `concurrency` clients, each sending
 * POST requests back to back over a pooled undici Agent (its raw dispatch API) and counting the JSON events (`data: {`) of
 * every stream without parsing them, so the generator stays cheap next to the server it measures.
 * Counting starts after a warmup and stops at the end of the window; requests still open then are
 * aborted. Also `fetchSse`, which reads one whole answer (to capture the events a baseline replays).
 */
import { Agent, request, type Dispatcher } from 'undici';
import { performance } from 'node:perf_hooks';

const EVENT_MARK = Buffer.from('data: {');

export interface SseLoadOptions {
  url: string;
  body: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface SseLoadResult {
  /** JSON events (token chunks) received inside the window. */
  chunks: number;
  /** JSON events received in the whole call, warmup included. */
  totalChunks: number;
  bytes: number;
  /** Requests completed inside the window. */
  requests: number;
  errors: number;
  firstError: string | null;
  windowS: number;
  chunksPerS: number;
}

/** Counts occurrences of `data: {` across reads (a mark split between two reads is found once). */
export class EventCounter {
  private tail: Buffer = Buffer.alloc(0);
  count = 0;

  push(chunk: Buffer): number {
    const m = EVENT_MARK.length;
    let n = 0;
    // Marks that start in the previous read's tail and end in this one.
    if (this.tail.length > 0) {
      const seam = Buffer.concat([this.tail, chunk.subarray(0, m - 1)]);
      for (let at = seam.indexOf(EVENT_MARK); at !== -1 && at < this.tail.length; at = seam.indexOf(EVENT_MARK, at + 1)) n++;
    }
    for (let at = chunk.indexOf(EVENT_MARK); at !== -1; at = chunk.indexOf(EVENT_MARK, at + m)) n++;
    // Keep the stream's last m − 1 bytes (copied: undici may reuse the chunk's memory).
    this.tail = chunk.length >= m - 1 ? Buffer.from(chunk.subarray(chunk.length - (m - 1))) : Buffer.concat([this.tail, chunk]).subarray(-(m - 1));
    this.count += n;
    return n;
  }
}

export async function sseLoad(o: SseLoadOptions): Promise<SseLoadResult> {
  const agent = new Agent({ connections: o.concurrency, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
  const ac = new AbortController();
  const start = performance.now();
  const from = start + o.warmupMs;
  const to = from + o.durationMs;
  let chunks = 0;
  let totalChunks = 0;
  let bytes = 0;
  let requests = 0;
  let errors = 0;
  let firstError: string | null = null;

  const url = new URL(o.url);
  const origin = url.origin;
  const live = new Set<Dispatcher.DispatchController>();
  const headers = { 'content-type': 'application/json', accept: 'text/event-stream' };

  /** One streamed request through the raw dispatcher API (no body stream objects: cheap per chunk). */
  const once = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const counter = new EventCounter();
      let status = 0;
      let errorText = '';
      agent.dispatch(
        { origin, path: '/v1/chat/completions', method: 'POST', headers, body: o.body },
        {
          onRequestStart(c) {
            if (ac.signal.aborted) c.abort(new Error('window over'));
            else live.add(c);
          },
          onResponseStart(_c, statusCode) {
            status = statusCode;
          },
          onResponseData(_c, chunk) {
            if (status !== 200) {
              errorText += chunk.toString('utf8');
              return;
            }
            const n = counter.push(chunk);
            totalChunks += n;
            const now = performance.now();
            if (now >= from && now < to) {
              chunks += n;
              bytes += chunk.length;
            }
          },
          onResponseEnd(c) {
            live.delete(c);
            if (status !== 200) reject(new Error(`HTTP ${status}: ${errorText.slice(0, 200)}`));
            else {
              const now = performance.now();
              if (now >= from && now < to) requests++;
              resolve();
            }
          },
          onResponseError(c, err) {
            live.delete(c);
            reject(err);
          },
        },
      );
    });

  const client = async (): Promise<void> => {
    while (performance.now() < to && !ac.signal.aborted) {
      try {
        await once();
      } catch (err) {
        if (ac.signal.aborted) return;
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
        if (errors > 100) return;
      }
    }
  };

  const stopper = setTimeout(() => {
    ac.abort();
    for (const c of live) c.abort(new Error('window over'));
  }, o.warmupMs + o.durationMs + 50);
  await Promise.all(Array.from({ length: o.concurrency }, client));
  clearTimeout(stopper);
  await agent.destroy();
  const windowS = o.durationMs / 1000;
  return { chunks, totalChunks, bytes, requests, errors, firstError, windowS, chunksPerS: chunks / windowS };
}

/** One request; the answer's SSE events, each with its `\n\n` terminator. */
export async function fetchSse(url: string, body: string): Promise<string[]> {
  const res = await request(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body,
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
  const events = text.split('\n\n').filter((e) => e.trim() !== '');
  return events.map((e) => `${e}\n\n`);
}

/** A few short requests so the server has loaded its tokenizer and warmed its JIT before measuring. */
export async function warmUp(url: string, requests = 8): Promise<void> {
  const body = JSON.stringify({ model: 'kvlab-mock', messages: [{ role: 'user', content: 'warm up' }], max_tokens: 4, ignore_eos: true, stream: true });
  await Promise.all(Array.from({ length: requests }, () => fetchSse(url, body)));
}
