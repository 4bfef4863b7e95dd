/**
 * Server-sent events of OpenAI-compatible streaming endpoints, decoded into the items the transport
 * acts on: a JSON chunk, the `[DONE]` sentinel, or an error. Bytes go through a streaming UTF-8
 * decoder (a multi-byte character split across reads is kept whole) and eventsource-parser (CRLF,
 * comments and keep-alives, events split across reads, several events per read).
 *
 * Error shapes recognised: `data: {"error": {...}}` (OpenAI, vLLM, SGLang mid-stream), vLLM's older
 * flat `{"object": "error", "message": ...}`, an SSE `event: error`, and data that is not JSON.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

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
export function itemOf(msg: EventSourceMessage): SseItem | null {
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

/** A decoder that calls `onItem` for every chunk, `[DONE]` and error of the stream, in order. */
export function createSseDecoder(onItem: (item: SseItem) => void): SseDecoder {
  const utf8 = new TextDecoder('utf-8');
  const parser = createParser({
    onEvent: (msg) => {
      const item = itemOf(msg);
      if (item) onItem(item);
    },
  });
  return {
    push(chunk) {
      const text = typeof chunk === 'string' ? chunk : utf8.decode(chunk, { stream: true });
      if (text) parser.feed(text);
    },
    end() {
      const rest = utf8.decode();
      if (rest) parser.feed(rest);
      // A final event without its terminating blank line is still dispatched.
      parser.feed('\n\n');
    },
  };
}

/** Decode a whole stream body at once (tests, recorded fixtures). */
export function decodeSse(chunks: Iterable<Uint8Array | string>): SseItem[] {
  const items: SseItem[] = [];
  const dec = createSseDecoder((i) => items.push(i));
  for (const c of chunks) dec.push(c);
  dec.end();
  return items;
}
