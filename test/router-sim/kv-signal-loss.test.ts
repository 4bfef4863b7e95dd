import { Publisher } from 'zeromq';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeEventBatch, encodeSeq } from '../../src/core/kv-event-codec.ts';
import { startKvSubscribers } from '../../src/router-sim/kv-subscriber.ts';
import { resolveRouterOptions } from '../../src/router-sim/server/options.ts';
import { waitFor } from './helpers.ts';
import { errorLine } from '../../src/core/errors.ts';
import { exitCodeOf } from '../../src/cli/exit.ts';
import { registerRouter } from '../../src/cli/router.ts';
import { registerCluster } from '../../src/cli/cluster.ts';
import { runCli } from '../helpers/in-process-cli.ts';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('KV-event intake with a lossy signal', () => {
  it('drops the asked share of batches (seeded), and the sequence check turns the drops into resyncs', async () => {
    const pub = new Publisher({ linger: 0 });
    await pub.bind('tcp://127.0.0.1:*');
    cleanups.push(() => pub.close());
    const applied: number[] = [];
    let resets = 0;
    const subs = startKvSubscribers([pub.lastEndpoint!], { applyEvents: (_w, evs) => applied.push([...evs].length), resetWorker: () => resets++ }, {}, { loss: 0.5, seed: 7 });
    cleanups.push(() => subs.close());
    expect(await subs.ready(5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    const n = 200;
    for (let seq = 0; seq < n; seq++) await pub.send([Buffer.alloc(0), encodeSeq(seq), encodeEventBatch(0, [{ type: 'AllBlocksCleared' }])]);
    await waitFor(() => subs.stats.lost[0] + subs.stats.batches[0] === n, 'every batch to arrive', 10_000);
    expect(subs.stats.lost[0]).toBeGreaterThan(n * 0.35);
    expect(subs.stats.lost[0]).toBeLessThan(n * 0.65);
    expect(applied).toHaveLength(subs.stats.batches[0]);
    expect(subs.stats.resyncs[0]).toBeGreaterThan(0);
    expect(resets).toBe(subs.stats.resyncs[0]);
  });

  it('refuses a negative delay, a loss outside [0, 1] and a negative load refresh', () => {
    const base = { workers: ['http://127.0.0.1:1'] };
    expect(() => resolveRouterOptions({ ...base, kvEventDelayMs: -1 })).toThrow(/kvEventDelayMs: must be a number ≥ 0, got -1/);
    expect(() => resolveRouterOptions({ ...base, kvEventLoss: 1.5 })).toThrow(/kvEventLoss: must be a number ≥ 0 and ≤ 1, got 1.5/);
    expect(() => resolveRouterOptions({ ...base, loadRefreshMs: -2 })).toThrow(/loadRefreshMs: must be a number ≥ 0, got -2/);
  });

  it.each([
    ['router', '--kv-event-loss', '1.5', /≤ 1, got 1.5/],
    ['router', '--kv-event-delay-ms', '-5', /≥ 0, got -5/],
    ['cluster', '--load-refresh-ms', '-1', /≥ 0, got -1/],
  ])('kvlab %s %s %s is a usage error (exit 2)', async (cmd, flag, value, why) => {
    const args = cmd === 'router' ? ['router', '--worker', 'http://127.0.0.1:1', '--kv-events', 'tcp://127.0.0.1:1', flag, value] : ['cluster', flag, value];
    const r = await runCli([registerRouter, registerCluster], args);
    expect(exitCodeOf(r.error)).toBe(2);
    const line = errorLine(r.error);
    expect(line).toContain(flag);
    expect(line).toMatch(why);
  });
});
