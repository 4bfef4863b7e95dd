import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildWorkerApp } from '../../../src/mocker/server/app.ts';

const MODEL = 'kvlab-mock';
const prompt = 'Explain the prefill phase of a transformer in three short sentences, please.'.repeat(8);

describe("vLLM's kv_transfer_params on kvlab workers (disaggregated prefill/decode)", () => {
  let prefill: FastifyInstance;
  let decode: FastifyInstance;
  let plain: FastifyInstance;
  const post = (app: FastifyInstance, body: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: MODEL, messages: [{ role: 'user', content: prompt }], ...body } });

  beforeAll(() => {
    const base = { speedupRatio: 1000, blockSize: 16 };
    prefill = buildWorkerApp({ name: 'worker-0', options: { ...base, disaggregationMode: 'prefill' } });
    decode = buildWorkerApp({ name: 'worker-1', options: { ...base, disaggregationMode: 'decode' } });
    plain = buildWorkerApp({ name: 'worker-2', options: base });
  });
  afterAll(async () => {
    await Promise.all([prefill.close(), decode.close(), plain.close()]);
  });

  it('a prefill worker answers do_remote_decode with the params a decode worker takes, and the decode worker serves them', async () => {
    const p = await post(prefill, { max_tokens: 1, kv_transfer_params: { do_remote_decode: true, do_remote_prefill: false, remote_engine_id: null, remote_block_ids: null, remote_host: null, remote_port: null } });
    expect(p.statusCode, p.body).toBe(200);
    const params = p.json().kv_transfer_params;
    const promptTokens = p.json().usage.prompt_tokens as number;
    expect(params).toMatchObject({ do_remote_prefill: true, do_remote_decode: false, remote_engine_id: 'worker-0', remote_host: null, remote_port: null });
    expect(params.remote_block_ids).toHaveLength(Math.ceil(promptTokens / 16));
    const d = await post(decode, { max_tokens: 5, ignore_eos: true, kv_transfer_params: params });
    expect(d.statusCode, d.body).toBe(200);
    expect(d.json().usage).toMatchObject({ prompt_tokens: promptTokens, completion_tokens: 5 });
    expect(d.json().kv_transfer_params).toBeUndefined();
  });

  it('refuses kv_transfer_params a worker is not in the mode for, as an OpenAI 400 naming the field', async () => {
    for (const [app, params, why] of [
      [plain, { do_remote_prefill: true }, /do_remote_prefill needs a decode worker.*not in P\/D mode/],
      [plain, { do_remote_decode: true }, /do_remote_decode needs a prefill worker.*not in P\/D mode/],
      [decode, { do_remote_decode: true }, /this worker is decode/],
      [prefill, { do_remote_prefill: true }, /this worker is prefill/],
    ] as const) {
      const res = await post(app, { max_tokens: 2, kv_transfer_params: params });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ type: 'invalid_request_error', param: 'kv_transfer_params' });
      expect(res.json().error.message).toMatch(why);
    }
    const bad = await post(decode, { max_tokens: 2, kv_transfer_params: { do_remote_prefill: 'yes' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.param).toMatch(/kv_transfer_params/);
  });

  it('serves a plain request on a P/D worker, and ignores params with both flags off', async () => {
    expect((await post(decode, { max_tokens: 2 })).statusCode).toBe(200);
    expect((await post(plain, { max_tokens: 2, kv_transfer_params: { do_remote_prefill: false, do_remote_decode: false } })).statusCode).toBe(200);
  });
});
