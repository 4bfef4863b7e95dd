/**
 * Server-sent events of OpenAI-compatible streaming endpoints, decoded into the items the transport
 * acts on: a JSON chunk, the `[DONE]` sentinel, or an error. The stream is framed from its bytes
 * (sse-frames.ts: CRLF, comments and keep-alives, events split across reads, several events per
 * read); an event's data is decoded as UTF-8 once it is whole, so a multi-byte character split across
 * reads is kept whole. The transport's decoder reads a chunk's JSON with the byte scanner
 * (chunk-scan.ts) and parses only what it declines.
 *
 * Error shapes recognised: `data: {"error": {...}}` (OpenAI, vLLM, SGLang mid-stream), vLLM's older
 * flat `{"object": "error", "message": ...}`, an SSE `event: error`, and data that is not JSON.
 */
import { ChunkScanner, type ScannedChunk } from './chunk-scan.ts';
import { SseFramer } from './sse-frames.ts';

/** One event of the stream: its data (data lines joined by a newline) and its name, if any. */
export interface SseMessage {
  data: string;
  event?: string | undefined;
}

export interface SseError {
  message: string;
  type: string | null;
  code: string | number | null;
}

export type SseItem =
  | { kind: 'chunk'; data: Record<string, unknown> }
  | { kind: 'done' }
  | { kind: 'error'; error: SseError };

export interface SseDecoder {
  /** Feed the bytes (or text) of one read. */
  push(chunk: Uint8Array | string): void;
  /** The stream ended: flush a last event that lacked its blank line. */
  end(): void;
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** The error carried by a parsed JSON body or chunk, if any (OpenAI nested or vLLM flat shape). */
export function errorOf(body: unknown): SseError | null {
  const obj = asRecord(body);
  if (!obj) return null;
  const nested = asRecord(obj.error);
  if (nested) {
    const code = nested.code;
    return {
      message: str(nested.message) ?? JSON.stringify(nested),
      type: str(nested.type),
      code: typeof code === 'string' || typeof code === 'number' ? code : null,
    };
  }
  if (typeof obj.error === 'string') return { message: obj.error, type: null, code: null };
  if (obj.object === 'error') {
    const code = obj.code;
    return {
      message: str(obj.message) ?? 'error',
      type: str(obj.type),
      code: typeof code === 'string' || typeof code === 'number' ? code : null,
    };
  }
  return null;
}

/** Turn one SSE message into an item (null for empty keep-alive data). */
export function itemOf(msg: SseMessage): SseItem | null {
  const data = msg.data.trim();
  if (data === '') return null;
  if (data === '[DONE]') return { kind: 'done' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    if (msg.event === 'error') return { kind: 'error', error: { message: data, type: null, code: null } };
    return { kind: 'error', error: { message: `malformed SSE data: ${data.slice(0, 120)}`, type: 'malformed_stream', code: null } };
  }
  const err = errorOf(parsed);
  if (err) return { kind: 'error', error: err };
  const obj = asRecord(parsed);
  if (msg.event === 'error') {
    return { kind: 'error', error: { message: obj ? JSON.stringify(obj) : data, type: null, code: null } };
  }
  if (!obj) {
    return { kind: 'error', error: { message: `SSE data is not an object: ${data.slice(0, 120)}`, type: 'malformed_stream', code: null } };
  }
  return { kind: 'chunk', data: obj };
}

/** A decoder that calls `onItem` for every chunk (JSON.parse), `[DONE]` and error of the stream, in order. */
export function createSseDecoder(onItem: (item: SseItem) => void): SseDecoder {
  const framer = new SseFramer((buf, start, end, event) => {
    const item = itemOf({ data: buf.toString('utf8', start, end), event });
    if (item) onItem(item);
  });
  return { push: (chunk) => framer.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk), end: () => framer.end() };
}

/** What the stream decoder hands the stream timer: a scanned chunk, or an item of the JSON.parse path. */
export interface ChunkSink {
  /** A chunk read by the byte scanner (one reused object: read it during the call). */
  scanned(chunk: ScannedChunk): void;
  /** Any other item (a chunk the scanner declined, parsed by JSON.parse; `[DONE]`; an error). */
  item(item: SseItem): void;
}

const JSON_WS = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const DONE = Buffer.from('[DONE]', 'latin1');

/**
 * The decoder the transport uses: the same events as `createSseDecoder`, but a chunk's JSON is read
 * by the byte scanner (chunk-scan.ts) straight from the read's bytes; what it declines (errors, named
 * `error` events, anything but a plain JSON object) goes through `itemOf` as in `createSseDecoder`.
 */
export function createChunkDecoder(sink: ChunkSink): SseFramer {
  const scanner = new ChunkScanner();
  const chunk: ScannedChunk = { content: '', reasoning: '', tool: false, finishReason: null, usage: null, engineTtftMs: null };
  return new SseFramer((data, start, end, event) => {
    let s = start;
    let e = end;
    while (s < e && JSON_WS(data[s])) s++;
    while (e > s && JSON_WS(data[e - 1])) e--;
    if (event !== 'error') {
      if (s === e) return; // empty data: a keep-alive (itemOf's rule)
      if (e - s === DONE.length && data.compare(DONE, 0, DONE.length, s, e) === 0) {
        sink.item({ kind: 'done' });
        return;
      }
      if (data[s] === 0x7b && scanner.scan(data, s, e, chunk)) {
        sink.scanned(chunk);
        return;
      }
    }
    const item = itemOf({ data: data.toString('utf8', start, end), event });
    if (item) sink.item(item);
  });
}

/** Decode a whole stream body at once (tests, recorded fixtures). */
export function decodeSse(chunks: Iterable<Uint8Array | string>): SseItem[] {
  const items: SseItem[] = [];
  const dec = createSseDecoder((i) => items.push(i));
  for (const c of chunks) dec.push(c);
  dec.end();
  return items;
}
