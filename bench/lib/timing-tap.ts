/**
 * An undici interceptor that lets benchmarks read the mock engine's own timing of each request
 * (`nvext.timing.arrival_ms` / `first_token_ms`, epoch ms, stamped on the final chunks) while the real
 * client transport (src/client/http/transport.ts) does the requesting: the transport's SendResult does
 * not carry it. A request is tagged by a `user` field in its JSON body (`user: "<tag>"`, passed as
 * extraBody); the tap keeps the last ~2 KB of each tagged answer (by reference, no copying per chunk)
 * and parses the timing once the answer ends. Untagged requests pass through untouched.
 */
import type { Dispatcher } from 'undici';

export interface EngineTiming {
  arrivalMs: number;
  firstTokenMs: number;
}

const TAIL_BYTES = 2048;
const TAG = /"user":"([^"]+)"/;
const ARRIVAL = /"arrival_ms":(-?[0-9.eE+-]+)/g;
const FIRST = /"first_token_ms":(-?[0-9.eE+-]+)/g;

function lastNumber(re: RegExp, text: string): number | null {
  let v: number | null = null;
  for (const m of text.matchAll(re)) v = Number(m[1]);
  return v !== null && Number.isFinite(v) ? v : null;
}

/** The engine timing in the tail of an answer (the last stamp wins), or null. */
export function parseTiming(text: string): EngineTiming | null {
  const arrivalMs = lastNumber(ARRIVAL, text);
  const firstTokenMs = lastNumber(FIRST, text);
  return arrivalMs === null || firstTokenMs === null ? null : { arrivalMs, firstTokenMs };
}

export interface TimingTap {
  interceptor: Dispatcher.DispatcherComposeInterceptor;
  /** The timing of the answer tagged `tag` (removed from the tap), if it carried one. */
  take(tag: string): EngineTiming | undefined;
}

export function createTimingTap(): TimingTap {
  const found = new Map<string, EngineTiming>();
  const interceptor: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
    const tag = typeof opts.body === 'string' ? TAG.exec(opts.body)?.[1] : undefined;
    if (tag === undefined) return dispatch(opts, handler);
    const parts: Buffer[] = [];
    let kept = 0;
    const h = handler as Dispatcher.DispatchHandler;
    const wrapped: Dispatcher.DispatchHandler = {
      onRequestStart: (c, ctx) => h.onRequestStart?.(c, ctx),
      onRequestUpgrade: (c, status, headers, socket) => h.onRequestUpgrade?.(c, status, headers, socket),
      onResponseStart: (c, status, headers, msg) => h.onResponseStart?.(c, status, headers, msg),
      onResponseData: (c, chunk) => {
        parts.push(chunk);
        kept += chunk.length;
        while (parts.length > 1 && kept - parts[0].length >= TAIL_BYTES) kept -= parts.shift()!.length;
        return h.onResponseData?.(c, chunk);
      },
      onResponseEnd: (c, trailers) => {
        const t = parseTiming(Buffer.concat(parts).toString('utf8'));
        if (t) found.set(tag, t);
        return h.onResponseEnd?.(c, trailers);
      },
      onResponseError: (c, err) => h.onResponseError?.(c, err),
    };
    return dispatch(opts, wrapped);
  };
  return {
    interceptor,
    take(tag) {
      const t = found.get(tag);
      found.delete(tag);
      return t;
    },
  };
}
