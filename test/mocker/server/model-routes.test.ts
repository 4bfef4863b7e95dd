import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildWorkerApp } from '../../../src/mocker/server/app.ts';
import { startMocker, type RunningMocker } from '../../../src/mocker/server/start.ts';
import { KVLAB_VERSION } from '../../../src/core/version.ts';

describe("the mock's model card and version, as vLLM serves them", () => {
  let mocker: RunningMocker;
  let client: OpenAI;
  let app: FastifyInstance;
  const HF = 'meta-llama/Llama-3.1-8B-Instruct';

  beforeAll(async () => {
    mocker = await startMocker({ port: 0, speedupRatio: 1000, maxModelLen: 4096 });
    client = new OpenAI({ baseURL: `${mocker.workers[0].url}/v1`, apiKey: 'unused', maxRetries: 0 });
    app = buildWorkerApp({ options: { model: HF, apiKey: 'sk-k' } });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await mocker.close();
  });

  it("the openai SDK's models.retrieve gets the card, with max_model_len", async () => {
    const card = await client.models.retrieve('kvlab-mock');
    expect(card).toMatchObject({ id: 'kvlab-mock', object: 'model', owned_by: 'kvlab', root: 'kvlab-mock', max_model_len: 4096 });
    const listed = await client.models.list();
    expect(listed.data[0]).toMatchObject({ id: 'kvlab-mock', max_model_len: 4096 });
  });

  it('an unknown model id is a 404 model_not_found error body', async () => {
    const err = await client.models.retrieve('nosuch').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('a model id with a slash is found sent as is or percent-encoded', async () => {
    const auth = { authorization: 'Bearer sk-k' };
    for (const url of [`/v1/models/${HF}`, `/v1/models/${encodeURIComponent(HF)}`]) {
      const res = await app.inject({ method: 'GET', url, headers: auth });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      expect(res.json()).toMatchObject({ id: HF, max_model_len: 32768 });
    }
    // Like the other /v1 routes, it needs the key.
    expect((await app.inject({ method: 'GET', url: `/v1/models/${HF}` })).statusCode).toBe(401);
  });

  it("GET /version answers kvlab's version, without a key (as vLLM's does)", async () => {
    const res = await app.inject({ method: 'GET', url: '/version' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ version: KVLAB_VERSION });
    expect(KVLAB_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});
