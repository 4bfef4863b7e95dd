/**
 * The baselines the mock engine and the client are measured against: a bare fastify route
 * (POST /v1/chat/completions) that streams fixed, pre-built SSE events with no engine, tokenizer or
 * JSON building behind it.
 *
 * - `tick`: every open stream gets its next event on each turn of the event loop (one setImmediate
 *   writes to all of them), the way the mock engine's driver writes one chunk per running request per
 *   step when its step deadlines are already past (CPU-bound speedup).
 * - `at-once`: the whole stream is written in one go (a mock that answers at once).
 * - `replay`: a pre-recorded answer replayed on the engine's schedule at almost no cost: the first
 *   event `ttftMs` after the request arrives, then one event per stream every `itlMs` (one shared
 *   ticker writes every open stream, as an engine step does). The last event carries the responder's
 *   own `nvext.timing` (arrival and first write, epoch ms), so a client's TTFT minus it is what the
 *   client and loopback add, apart from any server work (bench 4a).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';

export interface BareSseOptions {
  /** The SSE events of one answer, each a complete `data: ...\n\n` string. */
  events: string[];
  mode: 'tick' | 'at-once' | 'replay';
  /** `replay`: ms from arrival to the first event, and between later events. */
  ttftMs?: number;
  itlMs?: number;
}

interface OpenStream {
  raw: ServerResponse;
  next: number;
}

/** Epoch ms with sub-ms resolution (the clock the mocker stamps nvext.timing with). */
function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The final event with the responder's own timing in place of the recorded one. */
function timedFinal(template: string, arrivalMs: number, firstMs: number): Buffer {
  return Buffer.from(template.replace('"arrival_ms":0', `"arrival_ms":${arrivalMs}`).replace('"first_token_ms":0', `"first_token_ms":${firstMs}`));
}

/**
 * `replay` mode's route handler and its shutdown. `events`: the answer's events before the one that
 * carries nvext.timing; `final`: that event and the rest, with zeroed timing to fill in.
 */
function replayer(recorded: string[], ttftMs: number, itlMs: number): { serve(raw: ServerResponse): void; close(): void } {
  let f = recorded.length - 1;
  while (f >= 0 && !recorded[f].includes('"arrival_ms"')) f--;
  if (f < 0) throw new RangeError('bare SSE server: replay needs an answer carrying nvext.timing');
  const final = recorded
    .slice(f)
    .join('')
    .replace(/"arrival_ms":[-0-9.eE+]+/, '"arrival_ms":0')
    .replace(/"first_token_ms":[-0-9.eE+]+/, '"first_token_ms":0');
  const events = recorded.slice(0, f).map((e) => Buffer.from(e));
  const streaming = new Set<OpenStream & { arrivalMs: number; firstMs: number }>();
  const pending = new Set<NodeJS.Timeout>();
  const ticker = setInterval(() => {
    for (const s of streaming) {
      if (s.raw.destroyed) streaming.delete(s);
      else if (s.next === events.length) {
        s.raw.end(timedFinal(final, s.arrivalMs, s.firstMs));
        streaming.delete(s);
      } else s.raw.write(events[s.next++]);
    }
  }, itlMs);
  return {
    serve(raw) {
      const arrivalMs = epochMs();
      const t = setTimeout(() => {
        pending.delete(t);
        if (raw.destroyed) return;
        const firstMs = epochMs();
        if (events.length === 0) raw.end(timedFinal(final, arrivalMs, firstMs));
        else {
          raw.write(events[0]);
          streaming.add({ raw, next: 1, arrivalMs, firstMs });
        }
      }, ttftMs);
      pending.add(t);
    },
    close() {
      clearInterval(ticker);
      for (const t of pending) clearTimeout(t);
      for (const s of streaming) s.raw.destroy();
    },
  };
}

export function buildBareSseApp(opts: BareSseOptions): FastifyInstance {
  if (opts.events.length === 0) throw new RangeError('bare SSE server: no events to stream');
  const events = opts.events.map((e) => Buffer.from(e));
  const last = events.length - 1;
  const open = new Set<OpenStream>();
  let ticking: NodeJS.Immediate | null = null;

  const tick = (): void => {
    ticking = null;
    for (const s of open) {
      if (s.raw.destroyed) {
        open.delete(s);
        continue;
      }
      if (s.next === last) {
        s.raw.end(events[last]);
        open.delete(s);
      } else s.raw.write(events[s.next++]);
    }
    if (open.size > 0) ticking = setImmediate(tick);
  };

  let replay: ReturnType<typeof replayer> | null = null;
  if (opts.mode === 'replay') {
    const ttftMs = opts.ttftMs ?? 0;
    const itlMs = opts.itlMs ?? 1;
    if (!(ttftMs >= 0) || !(itlMs >= 1)) throw new RangeError(`bare SSE server: replay needs ttftMs ≥ 0 and itlMs ≥ 1, got ${ttftMs} and ${itlMs}`);
    replay = replayer(opts.events, ttftMs, itlMs);
  }

  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.post('/v1/chat/completions', (_request, reply) => {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    if (replay !== null) {
      replay.serve(raw);
      return;
    }
    if (opts.mode === 'at-once') {
      for (let i = 0; i < last; i++) raw.write(events[i]);
      raw.end(events[last]);
      return;
    }
    open.add({ raw, next: 0 });
    if (ticking === null) ticking = setImmediate(tick);
  });
  app.addHook('onClose', async () => {
    if (ticking) clearImmediate(ticking);
    replay?.close();
    for (const s of open) s.raw.destroy();
    open.clear();
  });
  return app;
}
