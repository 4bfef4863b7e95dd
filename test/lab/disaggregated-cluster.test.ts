import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCluster } from '../../src/cli/cluster.ts';
import { registerRouter } from '../../src/cli/router.ts';
import { startMocker } from '../../src/mocker/server/start.ts';
import { startRouter } from '../../src/router-sim/server/index.ts';
import { loremText } from '../../src/core/lorem.ts';
import { createRng } from '../../src/core/rng.ts';
import { startCluster, type RunningCluster } from '../../src/lab/cluster.ts';
import { runCli } from '../helpers/in-process-cli.ts';
import { chat } from '../router-sim/helpers.ts';

const MODEL = 'kvlab-mock';

describe('the embedded cluster, disaggregated (2 prefill + 1 decode workers)', () => {
  let c: RunningCluster;
  beforeAll(async () => {
    c = await startCluster({ numWorkers: 3, prefillWorkers: 2, mocker: { speedupRatio: 1000, seed: 3, blockSize: 16 }, router: { mode: 'kv', port: 0, blockSize: 16 } });
  });
  afterAll(async () => {
    await c?.close();
  });

  it('prefills on a prefill worker, decodes on the decode worker (streamed or not), and leaks no block', async () => {
    const text = loremText(createRng('pd'), 600).text;
    for (const stream of [false, true, false]) {
      const r = await chat(c.url, { model: MODEL, messages: [{ role: 'user', content: text }], max_tokens: 6, ignore_eos: true, stream, ...(stream ? { stream_options: { include_usage: true } } : {}) });
      expect(r.status, r.raw).toBe(200);
      expect(r.worker).toBe('worker-2');
    }
    const engines = c.mocker.workers.map((w) => (w as unknown as { engine: { stats(): { activeBlocks: number; promptTokens: number; kvTransfers?: number }; assertInvariants(): void } }).engine);
    for (const e of engines) {
      e.assertInvariants();
      expect(e.stats().activeBlocks).toBe(0);
    }
    // Every prompt was prefilled on a prefill worker and pulled (3 transfers) by the decode worker.
    expect(engines[0].stats().promptTokens + engines[1].stats().promptTokens).toBeGreaterThan(0);
    expect(engines[2].stats().kvTransfers).toBe(3);
  });

  it('relays a prefill worker refusing the request as the client error it is', async () => {
    const r = await chat(c.url, { model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.raw).error.message).toMatch(/prefill worker worker-\d: .*no-such-model/);
  });
});

describe('kvlab router in front of separately started prefill and decode workers', () => {
  it('serves a request in two legs (round-robin prefill, decode by load) and says so in /health', async () => {
    const p = await startMocker({ port: 0, speedupRatio: 1000, disaggregationMode: 'prefill' });
    const d = await startMocker({ port: 0, speedupRatio: 1000, disaggregationMode: 'decode' });
    const router = await startRouter({ port: 0, mode: 'round-robin', workers: p.workers.map((w) => w.url), decodeWorkers: d.workers.map((w) => w.url) });
    try {
      const r = await chat(router.url, { model: MODEL, messages: [{ role: 'user', content: 'two legs please '.repeat(40) }], max_tokens: 3, ignore_eos: true });
      expect(r.status, r.raw).toBe(200);
      expect(r.worker).toBe('worker-1');
      expect(d.workers[0].engine.stats().kvTransfers).toBe(1);
      const health = (await (await fetch(`${router.url}/health`)).json()) as { workers: { name: string }[] };
      expect(health.workers.map((w) => w.name)).toEqual(['worker-0', 'worker-1']);
    } finally {
      await router.close();
      await Promise.all([p.close(), d.close()]);
    }
  });

  it('names --decode-worker when its URL is bad (exit 2)', async () => {
    const r = await runCli([registerRouter], ['router', '--worker', 'http://127.0.0.1:1', '--decode-worker', 'not a url', '--router-mode', 'round-robin', '--port', '0']);
    expect((r.error as { exitCode?: number }).exitCode ?? (r.error as { status?: number }).status).toBe(2);
    expect(String((r.error as Error).message)).toMatch(/--decode-worker/);
  });
});

describe('kvlab cluster P/D flags', () => {
  it('refuses zero workers of a kind, one count without the other, and a clashing --num-workers, with exit 2', async () => {
    for (const [args, want] of [
      [['--num-prefill-workers', '0', '--num-decode-workers', '2'], /--num-prefill-workers: a disaggregated cluster needs at least one worker of each kind, got 0/],
      [['--num-prefill-workers', '1', '--num-decode-workers', '0'], /--num-decode-workers: .*at least one worker of each kind/],
      [['--num-decode-workers', '1'], /--num-prefill-workers: a disaggregated cluster needs both/],
      [['--num-prefill-workers', '1', '--num-decode-workers', '1', '--num-workers', '3'], /--num-workers: 3 ≠ 1 prefill \+ 1 decode workers/],
    ] as const) {
      const r = await runCli([registerCluster], ['cluster', '--port', '0', ...args]);
      expect((r.error as { exitCode?: number }).exitCode ?? (r.error as { status?: number }).status).toBe(2);
      expect(String((r.error as Error).message)).toMatch(want);
    }
  });
});
