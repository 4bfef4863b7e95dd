/**
 * Fuzzing the mock worker's HTTP surface in-process (app.inject): 10,000 generated bodies and 10,000
 * generated header sets. No 5xx for a client's mistake, every error an OpenAI error body, valid
 * requests answered, nothing left running in the engine, no prototype touched, and a good request
 * still succeeds afterwards. Seeded and bounded.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/mocker/engine/index.ts';
import { buildWorkerApp } from '../../src/mocker/server/app.ts';
import { engineConfigOf, resolveMockerOptions } from '../../src/mocker/server/options.ts';
import { CHAT, fuzzBody, fuzzHeaders, goodChatBody } from './helpers/fuzz-inputs.ts';
import { answerProblem, prototypeChanges, prototypeSnapshot, withDeadline } from './helpers/openai-checks.ts';

const RUNS = 10_000;
const options = resolveMockerOptions({ speedupRatio: 1e6, maxModelLen: 512, blockSize: 16, numGpuBlocks: 512, defaultMaxTokens: 8, maxTokensLimit: 64, bodyLimit: 256 * 1024 });
let engine: Engine;
let app: FastifyInstance;
const before = prototypeSnapshot();

beforeAll(async () => {
  engine = new Engine(engineConfigOf(options));
  app = buildWorkerApp({ options, engine });
  await app.ready();
});
afterAll(async () => {
  await app.close();
});

async function good(): Promise<void> {
  const res = await app.inject({ method: 'POST', url: CHAT, payload: goodChatBody(false), headers: { 'content-type': 'application/json' } });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().choices[0].message.content.length).toBeGreaterThan(0);
}

function expectIdle(): void {
  const s = engine.stats();
  expect({ running: s.running, waiting: s.waiting, activeBlocks: s.activeBlocks }).toEqual({ running: 0, waiting: 0, activeBlocks: 0 });
}

describe('the mock worker under fuzzed requests', () => {
  it(`answers ${RUNS} broken bodies with 4xx OpenAI errors (valid ones with 200), never 5xx`, async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fuzzBody, async (b) => {
        const res = await withDeadline(
          app.inject({ method: 'POST', url: b.path, payload: b.payload, headers: b.contentType === undefined ? {} : { 'content-type': b.contentType } }),
          10_000,
          () => b.story,
        );
        const answer = { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: res.body };
        const problem = answerProblem(answer);
        if (problem) throw new Error(`${problem}\n  request: ${b.story}\n  body: ${String(b.payload).slice(0, 300)}`);
        if (b.mustSucceed && res.statusCode !== 200) throw new Error(`a valid request got ${res.statusCode}: ${res.body}\n  body: ${String(b.payload)}`);
        if (res.statusCode === 200) accepted++;
      }),
      { numRuns: RUNS, seed: 8, endOnFailure: true },
    );
    // The generator reaches both sides: many requests are served, many refused.
    expect(accepted).toBeGreaterThan(RUNS / 10);
    expect(accepted).toBeLessThan(RUNS * 0.9);
    await good();
    expectIdle();
    expect(prototypeChanges(before)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 60_000);

  it(`answers a good request under ${RUNS} fuzzed header sets without a 5xx`, async () => {
    let i = 0;
    await fc.assert(
      fc.asyncProperty(fuzzHeaders, async (h) => {
        const stream = i++ % 2 === 0;
        const res = await withDeadline(
          app.inject({ method: 'POST', url: CHAT, payload: goodChatBody(stream), headers: { 'content-type': 'application/json', ...h.headers } }),
          10_000,
          () => h.story,
        );
        const problem = answerProblem({ status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: res.body });
        if (problem) throw new Error(`${problem}\n  headers: ${h.story}`);
      }),
      { numRuns: RUNS, seed: 9, endOnFailure: true },
    );
    await good();
    expectIdle();
    expect(prototypeChanges(before)).toEqual([]);
  }, 60_000);
});
