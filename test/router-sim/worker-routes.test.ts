import OpenAI from 'openai';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMocker, type RunningMocker } from '../../src/mocker/index.ts';
import { startRouter, type RunningRouter } from '../../src/router-sim/index.ts';
import { KVLAB_VERSION } from '../../src/core/version.ts';
import { chat, waitFor } from './helpers.ts';

const MODEL = 'kvlab-mock';
const PROMPT = 'a prompt long enough to fill several blocks '.repeat(20);
const body = (extra: Record<string, unknown> = {}) => ({ model: MODEL, messages: [{ role: 'user', content: PROMPT }], max_tokens: 2, ...extra });

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

const reset = (url: string, headers: Record<string, string> = {}) => fetch(`${url}/reset_prefix_cache`, { method: 'POST', headers });

describe("the router's worker routes", () => {
  let mocker: RunningMocker;
  let router: RunningRouter;

  beforeAll(async () => {
    mocker = await startMocker({ numWorkers: 2, port: 0, speedupRatio: 1, blockSize: 16, maxModelLen: 8192, seed: 5 });
    router = await startRouter({ workers: mocker.workers.map((w) => w.url), mode: 'kv-approx', blockSize: 16, port: 0 });
  });
  afterAll(async () => {
    await router?.close();
    await mocker?.close();
  });

  it("the openai SDK's models.retrieve gets the worker's card through the router; an unknown id is a 404", async () => {
    const client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    expect(await client.models.retrieve(MODEL)).toMatchObject({ id: MODEL, object: 'model', max_model_len: 8192 });
    const err = await client.models.retrieve('nosuch').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("GET /version answers kvlab's version", async () => {
    const res = await fetch(`${router.url}/version`);
    expect(await res.json()).toEqual({ version: KVLAB_VERSION });
  });

  it('POST /reset_prefix_cache clears every worker and what the router remembers of them', async () => {
    expect((await chat(router.url, body())).status).toBe(200);
    const warm = await chat(router.url, body());
    expect(warm.cachedTokens).toBeGreaterThan(0);
    expect(router.state.core.indexSize()).toBeGreaterThan(0);

    const res = await reset(router.url);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, workers: [{ name: 'worker-0', status: 200 }, { name: 'worker-1', status: 200 }] });
    expect(router.state.core.indexSize()).toBe(0);

    const cold = await chat(router.url, body());
    expect(cold.status).toBe(200);
    expect(cold.cachedTokens).toBe(0);
  });

  it('a worker with a request running refuses, and the router answers 409 naming it', async () => {
    const ac = new AbortController();
    const res = await fetch(`${router.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body({ max_tokens: 5000, ignore_eos: true, stream: true })),
      signal: ac.signal,
    });
    const busy = res.headers.get('x-kvlab-worker');
    const reader = res.body!.getReader();
    await reader.read();
    try {
      const refused = await reset(router.url);
      expect(refused.status).toBe(409);
      const error = (await refused.json()).error;
      expect(error.message).toContain(`${busy}: HTTP 409`);
      expect(error.message).toMatch(/requests are still running/);
    } finally {
      ac.abort();
      await reader.cancel().catch(() => undefined);
    }
    // Once the aborted request is gone, the reset goes through.
    await waitFor(async () => (await reset(router.url)).status === 200, 'the aborted request to leave the worker');
  });

  it('a worker that does not answer makes the reset a 502 naming it', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const r = await startRouter({ workers: [mocker.workers[0].url, dead], mode: 'round-robin', port: 0 });
    try {
      const res = await reset(r.url);
      expect(res.status).toBe(502);
      const error = (await res.json()).error;
      expect(error.message).toContain('worker-0: reset');
      expect(error.message).toContain('worker-1: no answer');
    } finally {
      await r.close();
    }
  });

  it('with an API key the reset needs it, and forwards it to the workers', async () => {
    const keyed = await startMocker({ numWorkers: 1, port: 0, speedupRatio: 1000, apiKey: 'sk-k' });
    const r = await startRouter({ workers: keyed.workers.map((w) => w.url), mode: 'round-robin', port: 0, apiKey: 'sk-k' });
    try {
      expect((await reset(r.url)).status).toBe(401);
      expect((await reset(r.url, { authorization: 'Bearer sk-k' })).status).toBe(200);
    } finally {
      await r.close();
      await keyed.close();
    }
  });
});
