import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Subscriber } from 'zeromq';
import { createRng } from '../../../src/core/rng.ts';
import { loremText } from '../../../src/core/lorem.ts';
import { decodeEventBatch, decodeSeq, type KvEventBatch } from '../../../src/core/kv-event-codec.ts';
import { startMocker, type RunningMocker } from '../../../src/mocker/server/start.ts';
import { until } from './helpers.ts';

const MODEL = 'kvlab-mock';

describe('KV events over ZeroMQ', () => {
  let mocker: RunningMocker;
  let sub: Subscriber;
  const received: { topic: string; seq: number; batch: KvEventBatch }[] = [];
  let receiving: Promise<void>;

  beforeAll(async () => {
    // a small cache (40 blocks of 16 tokens) so that later requests evict earlier blocks
    mocker = await startMocker({ port: 0, kvEventsPort: 0, numWorkers: 2, speedupRatio: 1000, blockSize: 16, numGpuBlocks: 40, watermark: 0 });
    sub = new Subscriber({ linger: 0 });
    sub.connect(mocker.workers[0].kvEventsEndpoint!);
    sub.subscribe();
    receiving = (async () => {
      for await (const [topic, seq, payload] of sub) {
        received.push({ topic: topic.toString(), seq: decodeSeq(seq), batch: decodeEventBatch(payload) });
      }
    })().catch(() => {});
  });
  afterAll(async () => {
    sub.close();
    await receiving;
    await mocker.close();
  });

  it('each worker publishes on its own endpoint', () => {
    const [a, b] = mocker.workers.map((w) => w.kvEventsEndpoint);
    expect(a).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(b).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(a).not.toBe(b);
  });

  it('a subscriber decoding the stream rebuilds exactly the engine’s set of cached blocks', async () => {
    const url = mocker.workers[0].url;
    const engine = mocker.workers[0].engine;
    // handshake: PUB drops messages until the subscription has propagated, so reset (AllBlocksCleared)
    // until one arrives
    await until(async () => {
      await fetch(`${url}/reset_prefix_cache`, { method: 'POST' });
      return received.length > 0;
    }, 'the subscription to propagate');

    const rng = createRng('kv-events');
    const post = (messages: { role: string; content: string }[], maxTokens: number) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, messages, max_tokens: maxTokens, ignore_eos: true }),
      }).then((r) => r.json());
    for (let i = 0; i < 6; i++) {
      const history = [{ role: 'user', content: loremText(rng, 100).text }];
      const first = await post(history, 20);
      history.push({ role: 'assistant', content: first.choices[0].message.content }, { role: 'user', content: 'go on' });
      await Promise.all([post(history, 10), post([{ role: 'user', content: loremText(rng, 60).text }], 5)]);
    }

    const rebuild = () => {
      const cache = new Set<number>();
      for (const { batch } of received) {
        for (const e of batch.events) {
          if (e.type === 'BlockStored') e.blockHashes.forEach((h) => cache.add(h));
          else if (e.type === 'BlockRemoved') e.blockHashes.forEach((h) => cache.delete(h));
          else cache.clear();
        }
      }
      return cache;
    };
    const expected = engine.cachedBlockHashes();
    expect(expected.size).toBeGreaterThan(0);
    await until(() => {
      const got = rebuild();
      return got.size === expected.size && [...got].every((h) => expected.has(h));
    }, 'the rebuilt cache to match the engine');

    const events = received.flatMap((r) => r.batch.events);
    expect(events.some((e) => e.type === 'BlockRemoved')).toBe(true);
    const stored = events.find((e) => e.type === 'BlockStored');
    expect(stored).toMatchObject({ blockSize: 16, medium: 'GPU', loraId: null });
    // frames: empty topic, consecutive sequence numbers, dp rank 0, ts in epoch seconds
    const seqs = received.map((r) => r.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1] + 1);
    for (const r of received) {
      expect(r.topic).toBe('');
      expect(r.batch.dataParallelRank).toBe(0);
      expect(Math.abs(r.batch.ts - Date.now() / 1000)).toBeLessThan(600);
    }
  });
});
