/**
 * The baselines the mock engine and the client are measured against: a bare fastify route
 * (POST /v1/chat/completions) that streams fixed, pre-built SSE events with no engine, tokenizer or
 * JSON building behind it.
 *
 * - `tick`: every open stream gets its next event on each turn of the event loop (one setImmediate
 *   writes to all of them), the way the mock engine's driver writes one chunk per running request per
 *   step when its step deadlines are already past (CPU-bound speedup).
 * - `at-once`: the whole stream is written in one go (a mock that answers at once).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';

export interface BareSseOptions {
  /** The SSE events of one answer, each a complete `data: ...\n\n` string. */
  events: string[];
  mode: 'tick' | 'at-once';
}

interface OpenStream {
  raw: ServerResponse;
  next: number;
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

  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.post('/v1/chat/completions', (_request, reply) => {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
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
    for (const s of open) s.raw.destroy();
    open.clear();
  });
  return app;
}
