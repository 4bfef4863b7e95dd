import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMocker, type RunningMocker } from '../../src/mocker/index.ts';
import { buildRouterApp, startRouter, type RunningRouter } from '../../src/router-sim/index.ts';
import { chat, metricValues, waitFor } from './helpers.ts';

const MODEL = 'kvlab-mock';
let mocker: RunningMocker;
let router: RunningRouter;

beforeAll(async () => {
  mocker = await startMocker({ numWorkers: 2, port: 0, speedupRatio: 1000, seed: 3 });
  router = await startRouter({ workers: mocker.workers.map((w) => w.url), mode: 'round-robin', port: 0 });
});

afterAll(async () => {
  await router?.close();
  await mocker?.close();
});

const chatBody = (content: string, extra: Record<string, unknown> = {}) => ({ model: MODEL, messages: [{ role: 'user', content }], max_tokens: 8, ...extra });

describe('router proxy', () => {
  it('streams chat completions through, naming the chosen worker and the upstream worker', async () => {
    const r = await chat(router.url, chatBody('hello there', { stream: true, stream_options: { include_usage: true } }));
    expect(r.status).toBe(200);
    expect(r.worker).toMatch(/^worker-[01]$/);
    expect(r.upstreamWorker).toBe('worker-0'); // each mock worker of this mocker names itself
    expect(r.raw.trim().endsWith('data: [DONE]')).toBe(true);
    expect(r.content.length).toBeGreaterThan(0);
    expect(r.finishReason).not.toBeNull();
    expect(r.promptTokens).toBeGreaterThan(0);
  });

  it('round-robins non-streaming chat and token-array completions over both workers', async () => {
    const a = await chat(router.url, chatBody('one'));
    const b = await chat(router.url, { model: MODEL, prompt: [1000, 2000, 3000], max_tokens: 2 }, {}, '/v1/completions');
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.content.length).toBeGreaterThan(0);
    expect(new Set([a.worker, b.worker])).toEqual(new Set(['worker-0', 'worker-1']));
  });

  it('serves /v1/models from a live worker, /health and Prometheus /metrics', async () => {
    const models = await (await fetch(`${router.url}/v1/models`)).json();
    expect(models.data[0].id).toBe(MODEL);
    const health = await fetch(`${router.url}/health`);
    expect(health.status).toBe(200);
    expect((await health.json()).workers).toHaveLength(2);
    const text = await (await fetch(`${router.url}/metrics`)).text();
    const reqs = metricValues(text, 'kvlab_router_requests_total');
    const total = [...reqs.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(3);
    expect([...reqs.keys()].every((k) => k.includes('mode="round-robin"'))).toBe(true);
    expect(metricValues(text, 'kvlab_router_workers_up').get('')).toBe(2);
    expect(metricValues(text, 'kvlab_router_overlap_blocks_count').get('')).toBe(total);
    for (const name of ['kvlab_router_retries_total', 'kvlab_router_speculative_prefills_sent_total', 'kvlab_router_speculative_prefills_completed_total']) {
      expect(metricValues(text, name).size).toBe(1);
    }
  });

  it('answers malformed JSON with a 400 OpenAI error body and passes worker errors through', async () => {
    const res = await fetch(`${router.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": ' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toMatchObject({ code: 'invalid_json', type: 'invalid_request_error' });
    const notFound = await chat(router.url, { ...chatBody('x'), model: 'no-such-model' });
    expect(notFound.status).toBe(404);
    expect(JSON.parse(notFound.raw).error.code).toBe('model_not_found');
    expect(notFound.worker).toMatch(/^worker-/);
    const route = await fetch(`${router.url}/v1/nothing`);
    expect(route.status).toBe(404);
    expect((await route.json()).error.code).toBe('not_found');
    expect((await chat(router.url, chatBody('still fine'))).status).toBe(200);
  });

  it('propagates a client abort to the worker, which frees the request', async () => {
    const ac = new AbortController();
    const res = await fetch(`${router.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatBody('a long answer please', { stream: true, max_tokens: 30000, ignore_eos: true })),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    const worker = Number(res.headers.get('x-kvlab-worker')!.split('-')[1]);
    expect(router.state.core.tracker.size).toBe(1);
    ac.abort();
    await waitFor(() => router.state.core.tracker.size === 0, 'router to free the aborted request');
    await waitFor(() => mocker.workers[worker].engine.stats().running === 0, 'worker to abort the request');
    expect(mocker.workers[worker].engine.stats().activeBlocks).toBe(0);
  });
});

describe('router failure handling', () => {
  it('returns 503 when every worker is down and 502 when the upstream cannot be reached', async () => {
    const { app, state } = buildRouterApp({ workers: ['http://127.0.0.1:1'], mode: 'random', downForMs: 60_000 });
    try {
      const bad = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chatBody('x') });
      expect(bad.statusCode).toBe(502);
      expect(bad.json().error.code).toBe('upstream_unavailable');
      expect(state.core.isUp(0)).toBe(false);
      const none = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chatBody('x') });
      expect(none.statusCode).toBe(503);
      expect(none.json().error.code).toBe('no_workers');
      const health = await app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(503);
    } finally {
      await app.close();
    }
  });

  it('retries once on another worker when the first refuses the connection, and health checks bring a worker back', async () => {
    const r = await startRouter({ workers: ['http://127.0.0.1:1', mocker.workers[0].url], mode: 'round-robin', port: 0, downForMs: 20, healthCheckMs: 20 });
    try {
      const res = await chat(r.url, chatBody('retry me'));
      expect(res.status).toBe(200);
      expect(res.worker).toBe('worker-1');
      const text = await (await fetch(`${r.url}/metrics`)).text();
      expect(metricValues(text, 'kvlab_router_retries_total').get('')).toBe(1);
      // A live worker marked down comes back through its health check.
      r.state.pool.markDown(1);
      expect(r.state.core.isUp(1)).toBe(false);
      await waitFor(() => r.state.core.isUp(1), 'health check to bring worker-1 back');
      expect(r.state.core.isUp(0)).toBe(false);
    } finally {
      await r.close();
    }
  });

  it('requires the API key when configured', async () => {
    const { app } = buildRouterApp({ workers: [mocker.workers[0].url], apiKey: 'sekret' });
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chatBody('x') });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
      const ok = await app.inject({ method: 'GET', url: '/health' });
      expect(ok.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
