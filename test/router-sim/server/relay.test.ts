import { EventEmitter } from 'node:events';
import type { FastifyReply } from 'fastify';
import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { Relay, type RelayContext } from '../../../src/router-sim/server/relay.ts';

/** The parts of a ServerResponse the relay uses, recording what it is asked to do. */
class FakeResponse extends EventEmitter {
  head: { status: number; headers: Record<string, unknown> } | null = null;
  written: string[] = [];
  ended = false;
  destroyed = false;
  destroyError: Error | null = null;
  writableFinished = false;
  writeReturns = true;
  headThrows: Error | null = null;
  writeHead(status: number, headers: Record<string, unknown>): this {
    if (this.headThrows) throw this.headThrows;
    this.head = { status, headers: { ...headers } };
    return this;
  }
  write(chunk: Buffer | string): boolean {
    this.written.push(String(chunk));
    return this.writeReturns;
  }
  end(chunk?: string): this {
    if (chunk !== undefined) this.written.push(chunk);
    this.ended = true;
    this.writableFinished = true;
    return this;
  }
  destroy(err?: Error): this {
    this.destroyed = true;
    this.destroyError = err ?? null;
    return this;
  }
}

class FakeController implements Dispatcher.DispatchController {
  aborted = false;
  paused = false;
  reason: Error | null = null;
  abort(reason: Error): void {
    this.aborted = true;
    this.reason = reason;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
}

function harness(opts: { wantsAnswer?: boolean; retry5xx?: boolean; promptTokens?: number; overlapBlocks?: number } = {}) {
  const calls: string[] = [];
  const raw = new FakeResponse();
  const reply = {
    raw,
    hijacked: false,
    hijack() {
      this.hijacked = true;
      return this;
    },
  };
  const ctx: RelayContext & { clientGone: boolean } = {
    reply: reply as unknown as FastifyReply,
    clientGone: false,
    promptTokens: opts.promptTokens ?? 8,
    blockSize: 4,
    wantsAnswer: opts.wantsAnswer ?? false,
    firstToken: () => calls.push('first'),
    outputTokens: (n) => calls.push(`+${n}`),
    freed: (stored) => calls.push(`freed:${stored}`),
    markDown: (w) => calls.push(`down:${w}`),
    answered: (w, answer) => calls.push(`answered:${w}:${answer}`),
  };
  const relay = new Relay(ctx, 1, 'worker-1', opts.overlapBlocks ?? 0, opts.retry5xx ?? false);
  const controller = new FakeController();
  return { relay, raw, reply, ctx, controller, calls };
}

const SSE = { 'content-type': 'text/event-stream; charset=utf-8' };
const tokenEvent = (content: string, finish: string | null = null) => Buffer.from(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`);

describe('Relay: relaying an answer', () => {
  it('writes the status, end-to-end headers and every chunk unchanged, and frees the load once at the end', async () => {
    const { relay, raw, reply, controller, calls } = harness();
    relay.onRequestStart(controller);
    relay.onResponseStart(controller, 200, {
      ...SSE,
      connection: 'keep-alive',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'content-length': '10',
      'x-kvlab-worker': 'engine-a',
      'x-request-id': 'r1',
      'set-cookie': ['a=1', 'b=2'],
    });
    expect(await relay.started).toEqual({ kind: 'relaying' });
    expect(reply.hijacked).toBe(true);
    expect(raw.head).toEqual({
      status: 200,
      headers: { ...SSE, 'x-request-id': 'r1', 'set-cookie': ['a=1', 'b=2'], 'x-kvlab-upstream-worker': 'engine-a', 'x-kvlab-worker': 'worker-1' },
    });
    const chunks = [tokenEvent('a'), tokenEvent('b', 'stop'), Buffer.from('data: [DONE]\n\n')];
    for (const c of chunks) relay.onResponseData(controller, c);
    relay.onResponseEnd();
    relay.clientClosed(); // the client's socket closes after the answer: nothing more happens
    expect(raw.written).toEqual(chunks.map(String));
    expect(raw.ended).toBe(true);
    // 8 prompt tokens + 2 answer tokens (the last never fed back) fill 2 blocks of 4, none overlapped: new blocks stored.
    expect(calls).toEqual(['first', '+1', '+1', 'freed:true']);
    expect(controller.aborted).toBe(false);
  });

  it('reports no new blocks when the answer stays inside the overlap, or never finished', () => {
    const a = harness({ promptTokens: 8, overlapBlocks: 2 });
    a.relay.onResponseStart(a.controller, 200, SSE);
    a.relay.onResponseData(a.controller, tokenEvent('x', 'stop'));
    a.relay.onResponseEnd();
    expect(a.calls.at(-1)).toBe('freed:false');
    const b = harness({ promptTokens: 40 });
    b.relay.onResponseStart(b.controller, 200, SSE);
    b.relay.onResponseData(b.controller, tokenEvent('x'));
    b.relay.onResponseEnd();
    expect(b.calls.at(-1)).toBe('freed:false');
  });

  it('pauses the upstream while the client is full and resumes it on drain', () => {
    const { relay, raw, controller } = harness();
    relay.onRequestStart(controller);
    relay.onResponseStart(controller, 200, SSE);
    relay.onResponseData(controller, tokenEvent('a'));
    expect(controller.paused).toBe(false);
    raw.writeReturns = false;
    relay.onResponseData(controller, tokenEvent('b'));
    expect(controller.paused).toBe(true);
    raw.emit('drain');
    expect(controller.paused).toBe(false);
  });

  it('relays a 4xx, and a 5xx when no retry is left, as the worker sent it', async () => {
    for (const status of [404, 503]) {
      const { relay, raw, controller, calls } = harness({ retry5xx: status === 404 });
      relay.onResponseStart(controller, status, { 'content-type': 'application/json' });
      relay.onResponseData(controller, Buffer.from('{"error":{"message":"no"}}'));
      relay.onResponseEnd();
      expect(await relay.started).toEqual({ kind: 'relaying' });
      expect([raw.head?.status, raw.written.join(''), raw.ended]).toEqual([status, '{"error":{"message":"no"}}', true]);
      expect(calls).toEqual(['freed:false']);
    }
  });

  it('speculative prefill: hands over the answer once a complete answer has been written, the client still there', () => {
    const done = harness({ wantsAnswer: true });
    done.relay.onResponseStart(done.controller, 200, SSE);
    done.relay.onResponseData(done.controller, Buffer.concat([tokenEvent('Hel'), tokenEvent('lo', 'stop')]));
    done.relay.onResponseEnd();
    expect(done.calls).not.toContain('answered:1:Hello');
    done.raw.emit('finish');
    expect(done.calls.at(-1)).toBe('answered:1:Hello');

    const unfinished = harness({ wantsAnswer: true });
    unfinished.relay.onResponseStart(unfinished.controller, 200, SSE);
    unfinished.relay.onResponseData(unfinished.controller, tokenEvent('Hel'));
    unfinished.relay.onResponseEnd();
    unfinished.raw.emit('finish');
    const gone = harness({ wantsAnswer: true });
    gone.relay.onResponseStart(gone.controller, 200, SSE);
    gone.relay.onResponseData(gone.controller, tokenEvent('Hel', 'stop'));
    gone.ctx.clientGone = true;
    gone.raw.emit('finish');
    for (const h of [unfinished, gone]) expect(h.calls.some((c) => c.startsWith('answered'))).toBe(false);
  });
});

describe('Relay: failures', () => {
  it('drains a 5xx it may retry without writing anything, then reports it', async () => {
    const { relay, raw, reply, controller, calls } = harness({ retry5xx: true });
    relay.onRequestStart(controller);
    relay.onResponseStart(controller, 503, { 'content-type': 'application/json' });
    relay.onResponseData(controller, Buffer.from('{"error":{}}'));
    relay.onResponseEnd();
    expect(await relay.started).toEqual({ kind: 'server-error', status: 503 });
    expect([raw.head, raw.written, reply.hijacked, controller.aborted]).toEqual([null, [], false, false]);
    expect(calls).toEqual(['freed:false']);
  });

  it('drops the connection instead of draining a huge 5xx body', async () => {
    const { relay, controller } = harness({ retry5xx: true });
    relay.onResponseStart(controller, 500, {});
    for (let i = 0; i < 3 && !controller.aborted; i++) relay.onResponseData(controller, Buffer.alloc(64 * 1024));
    expect(controller.aborted).toBe(true);
    relay.onResponseError(controller, controller.reason!); // what undici does after an abort
    expect(await relay.started).toEqual({ kind: 'server-error', status: 500 });
  });

  it('reports a failure before any response and writes nothing', async () => {
    const { relay, raw, calls } = harness();
    const err = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    relay.onResponseError(undefined, err); // undici may fail a request before it ever starts
    expect(await relay.started).toEqual({ kind: 'failed', error: err });
    expect([raw.head, raw.written]).toEqual([null, []]);
    expect(calls).toEqual(['freed:false']);
  });

  it('ends an SSE answer cut mid-stream with an OpenAI error event and marks the worker down', () => {
    const { relay, raw, controller, calls } = harness();
    relay.onResponseStart(controller, 200, SSE);
    relay.onResponseData(controller, tokenEvent('a'));
    relay.onResponseError(controller, Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
    expect(calls).toEqual(['first', '+1', 'freed:false', 'down:1']);
    const last = raw.written.at(-1)!;
    expect(last.startsWith('data: ') && last.endsWith('\n\n')).toBe(true);
    expect(JSON.parse(last.slice(6)).error).toMatchObject({ code: 'upstream_unavailable', message: expect.stringContaining('worker-1 is unavailable: stream interrupted (UND_ERR_SOCKET)') });
    expect(raw.ended).toBe(true);
  });

  it('cuts a JSON answer that fails mid-body', () => {
    const { relay, raw, controller } = harness();
    relay.onResponseStart(controller, 200, { 'content-type': 'application/json' });
    relay.onResponseData(controller, Buffer.from('{"choices":'));
    const err = new Error('reset');
    relay.onResponseError(controller, err);
    expect([raw.destroyed, raw.destroyError, raw.ended]).toEqual([true, err, false]);
  });

  it('aborts the upstream when the client leaves, even before the request reached a connection, and frees once', async () => {
    const early = harness();
    early.relay.clientClosed();
    early.relay.onRequestStart(early.controller);
    expect(early.controller.aborted).toBe(true);
    early.relay.onResponseError(early.controller, early.controller.reason!);
    expect((await early.relay.started).kind).toBe('failed');
    expect(early.calls).toEqual(['freed:false']);

    const mid = harness();
    mid.relay.onRequestStart(mid.controller);
    mid.relay.onResponseStart(mid.controller, 200, SSE);
    mid.ctx.clientGone = true;
    mid.relay.clientClosed();
    expect(mid.controller.aborted).toBe(true);
    mid.relay.onResponseError(mid.controller, mid.controller.reason!);
    expect(mid.calls).toEqual(['freed:false']); // not the worker's fault: not marked down, nothing written
    expect(mid.raw.written).toEqual([]);
  });

  it('leaves the answer to fastify when Node refuses the response headers', async () => {
    const { relay, raw, reply, controller, calls } = harness();
    raw.headThrows = Object.assign(new TypeError('Invalid character in header content ["x-bad"]'), { code: 'ERR_INVALID_CHAR' });
    relay.onResponseStart(controller, 200, { 'x-bad': 'a\u0001b' });
    expect(await relay.started).toEqual({ kind: 'unrelayable', error: raw.headThrows });
    expect([reply.hijacked, controller.aborted, calls]).toEqual([false, true, ['freed:false']]);
  });
});
