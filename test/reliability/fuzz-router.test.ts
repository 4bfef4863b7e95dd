/**
 * Fuzzing the router's HTTP surface (app.inject) with a real mock worker behind it on 127.0.0.1:
 * 10,000 generated bodies and 10,000 generated header sets (the worker is a kvlab worker, so valid
 * requests reach it preprocessed). The router must answer a client's mistakes
 * itself with a 4xx OpenAI error — never a 5xx, never by forwarding garbage (every body the worker
 * receives passes the request schema) and never by marking the worker down — and still route a good
 * request afterwards. No prototype is touched.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatCompletionRequest, CompletionRequest, parseBody, PreprocessedChatRequest, PreprocessedCompletionRequest } from '../../src/core/openai-schemas.ts';
import { Engine } from '../../src/mocker/engine/index.ts';
import { buildWorkerApp } from '../../src/mocker/server/app.ts';
import { engineConfigOf, resolveMockerOptions } from '../../src/mocker/server/options.ts';
import { buildRouterApp, type RouterApp } from '../../src/router-sim/index.ts';
import { CHAT, COMPLETIONS, fuzzBody, fuzzHeaders, goodChatBody } from './helpers/fuzz-inputs.ts';
import { answerProblem, prototypeChanges, prototypeSnapshot, withDeadline } from './helpers/openai-checks.ts';

const RUNS = 10_000;
const options = resolveMockerOptions({ speedupRatio: 1e6, maxModelLen: 512, blockSize: 16, numGpuBlocks: 512, defaultMaxTokens: 8, maxTokensLimit: 64, bodyLimit: 256 * 1024 });
const engine = new Engine(engineConfigOf(options));
let worker: FastifyInstance;
let router: RouterApp;
/** Bodies that reached the worker's completion routes and failed the request schema there. */
const forwardedGarbage: string[] = [];
let forwarded = 0;
const before = prototypeSnapshot();

beforeAll(async () => {
  worker = buildWorkerApp({ options, engine });
  worker.addHook('preValidation', async (req) => {
    const path = req.url.split('?')[0];
    if (path !== CHAT && path !== COMPLETIONS) return;
    forwarded++;
    try {
      // A kvlab worker gets preprocessed prompts (kvlab_prompt instead of messages / prompt).
      const pre = req.body !== null && typeof req.body === 'object' && Object.hasOwn(req.body, 'kvlab_prompt');
      const schema = path === CHAT ? (pre ? PreprocessedChatRequest : ChatCompletionRequest) : pre ? PreprocessedCompletionRequest : CompletionRequest;
      parseBody(schema, req.body);
    } catch (err) {
      forwardedGarbage.push(`${(err as Error).message}: ${JSON.stringify(req.body).slice(0, 200)}`);
    }
  });
  await worker.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(worker.server.address() as AddressInfo).port}`;
  // downForMs: a worker marked down stays down for the whole test, so a wrongly marked one shows;
  // few upstream connections, so a leak of them shows as a hang.
  router = buildRouterApp({ workers: [url], mode: 'kv-approx', blockSize: 16, maxModelLen: 512, bodyLimit: 256 * 1024, downForMs: 600_000, connectionsPerWorker: 4 });
  await router.app.ready();
  await router.state.pool.ready(5000);
  expect(router.state.pool.capabilities[0]).not.toBeNull();
});
afterAll(async () => {
  await router?.app.close();
  await worker?.close();
});

async function good(): Promise<void> {
  const res = await router.app.inject({ method: 'POST', url: CHAT, payload: goodChatBody(true), headers: { 'content-type': 'application/json' } });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['x-kvlab-worker']).toBe('worker-0');
  expect(res.body.trim().endsWith('data: [DONE]')).toBe(true);
}

function expectHealthy(): void {
  expect(router.state.core.isUp(0)).toBe(true);
  expect(router.state.core.tracker.size).toBe(0);
  expect(forwardedGarbage).toEqual([]);
  const s = engine.stats();
  expect({ running: s.running, waiting: s.waiting, activeBlocks: s.activeBlocks }).toEqual({ running: 0, waiting: 0, activeBlocks: 0 });
  expect(prototypeChanges(before)).toEqual([]);
}

describe('the router under fuzzed requests', () => {
  it(`answers ${RUNS} broken bodies itself with 4xx OpenAI errors, forwards only valid ones, never 5xx`, async () => {
    let routedOk = 0;
    await fc.assert(
      fc.asyncProperty(fuzzBody, async (b) => {
        const res = await withDeadline(
          router.app.inject({ method: 'POST', url: b.path, payload: b.payload, headers: b.contentType === undefined ? {} : { 'content-type': b.contentType } }),
          10_000,
          () => b.story,
        );
        const problem = answerProblem({ status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: res.body });
        if (problem) throw new Error(`${problem}\n  request: ${b.story}\n  body: ${String(b.payload).slice(0, 300)}`);
        if (b.mustSucceed && res.statusCode !== 200) throw new Error(`a valid request got ${res.statusCode}: ${res.body}\n  body: ${String(b.payload)}`);
        if (res.statusCode === 200) routedOk++;
        if (!router.state.core.isUp(0)) throw new Error(`the worker was marked down after: ${b.story}`);
      }),
      { numRuns: RUNS, seed: 18, endOnFailure: true },
    );
    expect(routedOk).toBeGreaterThan(RUNS / 10);
    expect(forwarded).toBeLessThan(RUNS * 0.6); // most broken requests never reach the worker
    await good();
    expectHealthy();
  }, 90_000);

  it(`routes a good request under ${RUNS} fuzzed header sets without a 5xx or marking the worker down`, async () => {
    let i = 0;
    await fc.assert(
      fc.asyncProperty(fuzzHeaders, async (h) => {
        const stream = i++ % 2 === 0;
        const res = await withDeadline(
          router.app.inject({ method: 'POST', url: CHAT, payload: goodChatBody(stream), headers: { 'content-type': 'application/json', ...h.headers } }),
          10_000,
          () => h.story,
        );
        const problem = answerProblem({ status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: res.body });
        if (problem) throw new Error(`${problem}\n  headers: ${h.story}`);
        if (!router.state.core.isUp(0)) throw new Error(`the worker was marked down after headers ${h.story}`);
      }),
      { numRuns: RUNS, seed: 19, endOnFailure: true },
    );
    await good();
    expectHealthy();
  }, 90_000);
});
