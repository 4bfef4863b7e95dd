import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Publisher } from 'zeromq';
import { encodeEventBatch, encodeSeq } from '../../src/core/kv-event-codec.ts';
import { createRng } from '../../src/core/rng.ts';
import { loremText } from '../../src/core/lorem.ts';
import { startMocker, type RunningMocker } from '../../src/mocker/index.ts';
import { RouterCore } from '../../src/router-sim/router-core.ts';
import { startKvSubscribers } from '../../src/router-sim/kv-subscriber.ts';
import { startRouter, type RunningRouter } from '../../src/router-sim/index.ts';
import { chat, metricValues, waitFor } from './helpers.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('KV events over ZeroMQ', () => {
  it("rebuild the router's index to exactly the blocks each mock worker caches (stores and evictions)", async () => {
    // Small caches so later requests evict earlier blocks (BlockRemoved events).
    const mocker: RunningMocker = await startMocker({ numWorkers: 2, port: 0, kvEventsPort: 0, speedupRatio: 1000, numGpuBlocks: 40, blockSize: 16, seed: 5 });
    cleanups.push(() => mocker.close());
    const router: RunningRouter = await startRouter({
      workers: mocker.workers.map((w) => w.url),
      kvEvents: mocker.workers.map((w) => w.kvEventsEndpoint!),
      mode: 'kv',
      blockSize: 16,
      port: 0,
    });
    cleanups.push(() => router.close());
    expect(await router.state.subscribers!.ready(5000)).toBe(true);
    const rng = createRng(9);
    for (let i = 0; i < 12; i++) {
      const prefix = i % 3 === 0 ? loremText(createRng(100 + (i % 2)), 120).text : '';
      const r = await chat(router.url, { model: 'kvlab-mock', messages: [{ role: 'user', content: prefix + loremText(rng, 100 + 20 * (i % 4)).text }], max_tokens: 20, ignore_eos: true });
      expect(r.status).toBe(200);
    }
    const { core } = router.state;
    const matches = () =>
      mocker.workers.every((w, i) => {
        const cached = w.engine.cachedBlockHashes();
        if (core.indexer.blocksOf(i) !== cached.size) return false;
        for (const h of cached) if (!core.indexer.holds(i, h)) return false;
        return true;
      });
    await waitFor(matches, "router index to equal the engines' cached blocks");
    expect(core.indexer.size).toBeGreaterThan(0);
    const text = await (await fetch(`${router.url}/metrics`)).text();
    const events = metricValues(text, 'kvlab_router_kv_events_total');
    expect([...events.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(router.state.subscribers!.stats.resyncs).toEqual([0, 0]);
  });

  it('clears a worker and counts a resync when a batch arrives with a skipped sequence number', async () => {
    const pub = new Publisher({ linger: 0 });
    await pub.bind('tcp://127.0.0.1:*');
    cleanups.push(async () => pub.close());
    const core = new RouterCore({ workerNames: ['w0'], mode: 'kv', blockSize: 2, overlapScoreWeight: 1, temperature: 0, routerTtlS: 120, seed: 0 });
    const subs = startKvSubscribers([pub.lastEndpoint!], core);
    cleanups.push(() => subs.close());
    let seq = 0;
    let parent: number | null = null;
    const send = async (s: number) => {
      const h = 1000 + s;
      const batch = encodeEventBatch(s, [{ type: 'BlockStored', blockHashes: [h], parentHash: parent, tokenIds: [s, s], blockSize: 2 }]);
      parent = h;
      await pub.send([Buffer.alloc(0), encodeSeq(s), batch]);
    };
    // Slow joiner: publish consecutive batches until the subscriber has seen some.
    await waitFor(async () => {
      await send(seq++);
      return subs.stats.batches[0] >= 2;
    }, 'the subscriber to receive batches');
    const before = core.indexer.blocksOf(0);
    expect(before).toBeGreaterThan(0);
    expect(subs.stats.resyncs[0]).toBe(0);
    seq++; // skip one
    await send(seq++);
    await waitFor(() => subs.stats.resyncs[0] === 1, 'a resync after the gap');
    await waitFor(() => subs.stats.lastSeq[0] === seq - 1, 'the post-gap batch to be applied');
    // The worker's entries were cleared; only the post-gap batch's block is indexed.
    expect(core.indexer.blocksOf(0)).toBe(1);
    await send(seq++);
    await waitFor(() => subs.stats.lastSeq[0] === seq - 1, 'the next batch');
    expect(subs.stats.resyncs[0]).toBe(1);
    expect(core.indexer.blocksOf(0)).toBe(2);
  });

  it('notices a batch the index cannot apply: counts it, resyncs the worker and keeps receiving', async () => {
    const pub = new Publisher({ linger: 0 });
    await pub.bind('tcp://127.0.0.1:*');
    cleanups.push(async () => pub.close());
    let applied = 0;
    let resets = 0;
    let failNext = false;
    const reasons: string[] = [];
    const sink = {
      applyEvents: () => {
        if (failNext) {
          failNext = false;
          throw new Error('index broke');
        }
        applied++;
      },
      resetWorker: () => void resets++,
    };
    const subs = startKvSubscribers([pub.lastEndpoint!], sink, { onResync: (_w, why) => void reasons.push(why) });
    cleanups.push(() => subs.close());
    let seq = 0;
    const send = () => pub.send([Buffer.alloc(0), encodeSeq(seq++), encodeEventBatch(0, [{ type: 'AllBlocksCleared' }])]);
    await waitFor(async () => {
      await send();
      return applied >= 1;
    }, 'the subscriber to receive batches');
    failNext = true;
    await send();
    await waitFor(() => subs.stats.failures[0] === 1, 'the failure to be counted');
    expect(reasons).toContain('failure');
    expect(resets).toBeGreaterThanOrEqual(1);
    const before = applied;
    await send();
    await waitFor(() => applied > before, 'batches after the failure to be applied');
  });
});

describe('an embedded cluster', () => {
  it("is refused when its router's KV-event subscriptions do not reach the publishers in time", async () => {
    const { requireSubscribed } = await import('../../src/lab/cluster.ts');
    // A listener held open for the test that accepts connections and never speaks ZeroMQ: the
    // subscription never completes its handshake. (A port bound and closed again could be taken by
    // another test's publisher meanwhile, which would complete it.)
    const accepted: Socket[] = [];
    const silent = createServer((s) => accepted.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const s of accepted) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const dead = `tcp://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const router = await startRouter({ workers: ['http://127.0.0.1:1'], kvEvents: [dead], mode: 'kv', port: 0 });
    cleanups.push(() => router.close());
    await expect(requireSubscribed(router, 200)).rejects.toThrow(/KV-event subscriptions did not reach the workers' publishers within 200 ms/);
  });
});

describe('KV events from an in-process source', () => {
  it('are applied as published, with the same sequence check (a gap clears the worker)', async () => {
    const core = new RouterCore({ workerNames: ['w0'], mode: 'kv', blockSize: 2, overlapScoreWeight: 1, temperature: 0, routerTtlS: 120, seed: 0 });
    let emit: ((frames: readonly Uint8Array[]) => void) | null = null;
    const subs = startKvSubscribers([{ listen: (fn) => ((emit = fn), () => (emit = null)) }], core);
    expect(await subs.ready(1)).toBe(true);
    const stored = (hashes: number[], parent: number | null) => ({ type: 'BlockStored' as const, blockHashes: hashes, parentHash: parent, tokenIds: [], blockSize: 2 });
    emit!([Buffer.alloc(0), encodeSeq(0), encodeEventBatch(1, [stored([11, 12], null)])]);
    expect(core.indexer.blocksOf(0)).toBe(2);
    emit!([Buffer.alloc(0), encodeSeq(2), encodeEventBatch(2, [stored([21], null)])]);
    expect(subs.stats.resyncs).toEqual([1]);
    expect(core.indexer.blocksOf(0)).toBe(1);
    await subs.close();
    expect(emit).toBeNull();
  });
});
