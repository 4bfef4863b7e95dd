import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { Pool, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessLink } from '../../src/lab/in-process-link.ts';
import { startCluster } from '../../src/lab/cluster.ts';
import { buildWorkerApp } from '../../src/mocker/server/app.ts';
import { Engine } from '../../src/mocker/engine/index.ts';
import { engineConfigOf, engineOptionsOf, resolveMockerOptions } from '../../src/mocker/server/options.ts';
import { parseSse, until } from '../mocker/server/helpers.ts';

interface Seen {
  status: number;
  headers: Record<string, unknown>;
  chunks: Buffer[];
  end: boolean;
  error: Error | null;
  controller: Dispatcher.DispatchController | null;
}

/** A handler recording what a dispatcher delivers; `onStart` runs at the response's headers. */
function recorder(onStart?: (c: Dispatcher.DispatchController) => void, onData?: (c: Dispatcher.DispatchController) => void): { seen: Seen; done: Promise<void>; handler: Dispatcher.DispatchHandler } {
  const seen: Seen = { status: 0, headers: {}, chunks: [], end: false, error: null, controller: null };
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(c) {
      seen.controller = c;
    },
    onResponseStart(c, status, headers) {
      seen.status = status;
      seen.headers = headers;
      onStart?.(c);
    },
    onResponseData(c, chunk) {
      seen.chunks.push(chunk);
      onData?.(c);
    },
    onResponseEnd() {
      seen.end = true;
      finish();
    },
    onResponseError(_c, err) {
      seen.error = err;
      finish();
    },
  };
  return { seen, done, handler };
}

const chatBody = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'kvlab-mock', messages: [{ role: 'user', content: 'tell me a story about the sea' }], max_tokens: 6, ignore_eos: true, stream: true, stream_options: { include_usage: true }, seed: 7, ...over });

const post = (body: string): Dispatcher.DispatchOptions => ({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body });

/** The parts of an SSE answer that do not depend on when or by which request counter it was made. */
function answerOf(chunks: Buffer[]) {
  const { chunks: events, done } = parseSse(Buffer.concat(chunks).toString('utf8'));
  return {
    done,
    text: events.map((e) => e.choices?.[0]?.delta?.content ?? '').join(''),
    finish: events.map((e) => e.choices?.[0]?.finish_reason ?? null).filter((f) => f !== null),
    usage: events.at(-1)?.usage,
    events: events.length,
  };
}

describe('in-process link to a worker app', () => {
  let app: FastifyInstance;
  let slow: FastifyInstance;
  let slowEngine: Engine;
  let pool: Pool;
  beforeAll(async () => {
    app = buildWorkerApp({ name: 'worker-3', options: { speedupRatio: 1000 } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    pool = new Pool(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
    // A worker whose decode steps take ~50 ms: a request is still streaming when the test acts on it.
    const opts = resolveMockerOptions({ speedupRatio: 0.1 });
    slowEngine = new Engine(engineConfigOf(opts), undefined, engineOptionsOf(opts));
    slow = buildWorkerApp({ name: 'worker-slow', options: { speedupRatio: 0.1 }, engine: slowEngine });
    await slow.ready();
  });
  afterAll(async () => {
    await pool.close();
    await app.close();
    await slow.close();
  });

  it('delivers the same status, worker header and SSE answer as the worker HTTP pool', async () => {
    const viaLink = recorder();
    new InProcessLink(app).dispatch(post(chatBody()), viaLink.handler);
    await viaLink.done;
    const viaHttp = recorder();
    pool.dispatch(post(chatBody()), viaHttp.handler);
    await viaHttp.done;
    expect(viaLink.seen.error).toBeNull();
    expect(viaLink.seen.status).toBe(200);
    expect(viaLink.seen.headers['content-type']).toBe(viaHttp.seen.headers['content-type']);
    expect(viaLink.seen.headers['x-kvlab-worker']).toBe('worker-3');
    const a = answerOf(viaLink.seen.chunks);
    expect(a).toEqual(answerOf(viaHttp.seen.chunks));
    expect(a).toMatchObject({ done: true, finish: ['length'], usage: { completion_tokens: 6 } });
    // One chunk per write: each token's event arrives on its own, as over HTTP.
    expect(viaLink.seen.chunks.length).toBeGreaterThanOrEqual(6);
  });

  it("relays the worker's own error answer (status and OpenAI body)", async () => {
    const r = recorder();
    new InProcessLink(app).dispatch(post(chatBody({ model: 'no-such-model' })), r.handler);
    await r.done;
    expect(r.seen.status).toBe(404);
    expect(JSON.parse(Buffer.concat(r.seen.chunks).toString('utf8'))).toMatchObject({ error: { code: 'model_not_found', param: 'model' } });
  });

  it('an abort mid-answer ends the request in the engine (its blocks freed) and reports the error once', async () => {
    let errors = 0;
    const r = recorder(undefined, (c) => c.abort(new Error('client went away')));
    const onError = r.handler.onResponseError!;
    r.handler.onResponseError = (c, e) => {
      errors++;
      onError(c, e);
    };
    new InProcessLink(slow).dispatch(post(chatBody({ max_tokens: 200 })), r.handler);
    await r.done;
    expect(r.seen.error?.message).toBe('client went away');
    await until(() => slowEngine.stats().running === 0 && slowEngine.stats().waiting === 0, 'the engine to drop the aborted request');
    expect(r.seen.end).toBe(false);
    expect(errors).toBe(1);
  });

  it('pause holds the answer back until resume (backpressure), losing nothing', async () => {
    const r = recorder((c) => c.pause());
    new InProcessLink(slow).dispatch(post(chatBody({ max_tokens: 3 })), r.handler);
    await until(() => r.seen.status === 200, 'the response to start');
    // The engine finishes the request while the stream is paused: nothing is delivered meanwhile.
    await until(() => slowEngine.stats().running === 0 && slowEngine.stats().waiting === 0, 'the request to finish in the engine');
    expect(r.seen.chunks).toHaveLength(0);
    r.seen.controller!.resume();
    await r.done;
    expect(answerOf(r.seen.chunks)).toMatchObject({ done: true, finish: ['length'], usage: { completion_tokens: 3 } });
  });
});

describe('embedded cluster worker link', () => {
  it('answers a client the same over the in-process link and over HTTP', async () => {
    const answers = [];
    for (const workerLink of ['in-process', 'http'] as const) {
      const cluster = await startCluster({ numWorkers: 2, mocker: { speedupRatio: 1000 }, router: { port: 0, mode: 'round-robin' }, kvEvents: false, workerLink });
      try {
        const res = await fetch(`${cluster.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody() });
        const body = Buffer.from(await res.arrayBuffer());
        answers.push({ status: res.status, worker: res.headers.get('x-kvlab-worker'), upstream: res.headers.get('x-kvlab-upstream-worker'), ...answerOf([body]) });
      } finally {
        await cluster.close();
      }
    }
    expect(answers[0]).toMatchObject({ status: 200, worker: 'worker-0', upstream: 'worker-0', done: true, usage: { completion_tokens: 6 } });
    expect(answers[0]).toEqual(answers[1]);
  });
});

describe('embedded cluster KV events in-process', () => {
  it("the router has applied a step's KV events by the time the step's first token reaches the client", async () => {
    const cluster = await startCluster({ numWorkers: 2, mocker: { speedupRatio: 1000, blockSize: 16 }, router: { port: 0, mode: 'kv' } });
    try {
      const { core } = cluster.router.state;
      for (let i = 0; i < 3; i++) {
        const before = core.indexer.size;
        const content = `question ${i}: ${"the sea is wide and deep ".repeat(30)}`;
        const res = await fetch(`${cluster.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'kvlab-mock', messages: [{ role: 'user', content }], max_tokens: 1 }) });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
        // No waiting: the blocks this request's prefill computed are in the index already.
        const w = Number(res.headers.get('x-kvlab-worker')!.slice('worker-'.length));
        expect(core.indexer.blocksOf(w)).toBe(cluster.mocker.workers[w].engine.cachedBlockHashes().size);
        expect(core.indexer.size).toBeGreaterThan(before);
      }
      expect(cluster.router.state.subscribers!.stats.resyncs).toEqual([0, 0]);
    } finally {
      await cluster.close();
    }
  });
});
