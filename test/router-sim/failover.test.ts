import { afterAll, describe, expect, it } from 'vitest';
import { startMocker, type RunningMocker } from '../../src/mocker/index.ts';
import { startRouter, type RunningRouter } from '../../src/router-sim/index.ts';
import { chat, metricValues } from './helpers.ts';

const mockers: RunningMocker[] = [];
let router: RunningRouter | undefined;
afterAll(async () => {
  await router?.close();
  await Promise.all(mockers.map((m) => m.close()));
});

describe('a worker killed mid-run', () => {
  it('sends new requests to the other workers (retrying the one that hit the dead worker) and the run completes', async () => {
    for (let i = 0; i < 3; i++) mockers.push(await startMocker({ numWorkers: 1, port: 0, speedupRatio: 1000, seed: i }));
    router = await startRouter({ workers: mockers.map((m) => m.workers[0].url), mode: 'round-robin', port: 0, downForMs: 60_000 });
    const url = router.url;
    const results: { ok: boolean; worker: string | null; afterKill: boolean; raw: string }[] = [];
    let killed = false;
    let next = 0;
    const TOTAL = 30;
    const client = async () => {
      while (next < TOTAL) {
        const i = next++;
        if (i === 10 && !killed) {
          killed = true;
          await mockers[1].close();
        }
        const afterKill = killed;
        const r = await chat(url, { model: 'kvlab-mock', messages: [{ role: 'user', content: `request ${i}` }], max_tokens: 4, stream: true });
        results.push({ ok: r.status === 200 && r.raw.includes('[DONE]'), worker: r.worker, afterKill, raw: r.raw });
      }
    };
    await Promise.all([client(), client(), client()]);
    expect(results).toHaveLength(TOTAL);
    // Streams in flight on the worker when it died may end early, with an OpenAI error event (never a
    // cut connection); every request sent after the kill completes.
    for (const r of results.filter((x) => !x.ok)) {
      expect(r.afterKill).toBe(false);
      expect(r.worker).toBe('worker-1');
      expect(r.raw).toMatch(/"code":"upstream_unavailable"/);
    }
    const after = results.filter((r) => r.afterKill);
    expect(after.every((r) => r.ok)).toBe(true);
    expect(after.length).toBeGreaterThanOrEqual(TOTAL - 12);
    expect(after.some((r) => r.worker === 'worker-1')).toBe(false);
    expect(new Set(after.map((r) => r.worker))).toEqual(new Set(['worker-0', 'worker-2']));
    expect(router.state.core.isUp(1)).toBe(false);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(metricValues(text, 'kvlab_router_retries_total').get('')).toBeGreaterThanOrEqual(1);
    expect(metricValues(text, 'kvlab_router_workers_up').get('')).toBe(2);
  });
});
