import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Subscriber } from 'zeromq';
import { createRng } from '../../../src/core/rng.ts';
import { loremText } from '../../../src/core/lorem.ts';
import { decodeEventBatch, type KvCacheEvent } from '../../../src/core/kv-event-codec.ts';
import { startMocker, type RunningMocker } from '../../../src/mocker/server/start.ts';
import { metricValue, parsePrometheus, until } from './helpers.ts';

const MODEL = 'kvlab-mock';

describe('a worker with KV offload tiers over HTTP', () => {
  let mocker: RunningMocker;
  let url: string;
  let sub: Subscriber;
  const events: KvCacheEvent[] = [];
  let receiving: Promise<void>;
  const chat = async (content: string) => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content }], max_tokens: 2 }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as Record<string, any>;
  };

  beforeAll(async () => {
    // 24 GPU blocks of 16 tokens: the second prompt evicts the first one's blocks to the CPU tier.
    mocker = await startMocker({ port: 0, kvEventsPort: 0, speedupRatio: 1000, blockSize: 16, numGpuBlocks: 24, watermark: 0, maxModelLen: 384, kvCpuBlocks: 64 });
    url = mocker.workers[0].url;
    sub = new Subscriber({ linger: 0 });
    sub.connect(mocker.workers[0].kvEventsEndpoint!);
    sub.subscribe();
    receiving = (async () => {
      for await (const [, , payload] of sub) events.push(...decodeEventBatch(payload).events);
    })().catch(() => {});
  });
  afterAll(async () => {
    sub.close();
    await receiving;
    await mocker.close();
  });

  it('answers a returning prompt from the CPU tier: usage counts it cached, nvext splits it by medium, metrics and events say CPU', async () => {
    const rng = createRng('tiers');
    const a = loremText(rng, 60).text;
    const first = await chat(a);
    expect(first.nvext.cached_tokens_by_medium).toEqual({ GPU: 0, CPU: 0, DISK: 0 });
    await chat(loremText(rng, 330).text);
    const back = await chat(a);
    const byMedium = back.nvext.cached_tokens_by_medium;
    expect(byMedium.CPU).toBeGreaterThan(0);
    expect(byMedium.GPU + byMedium.CPU + byMedium.DISK).toBe(back.usage.prompt_tokens_details.cached_tokens);
    const { samples } = parsePrometheus(await (await fetch(`${url}/metrics`)).text());
    expect(metricValue(samples, 'kvlab:kv_offload_hits_total', { medium: 'CPU' })).toBe(byMedium.CPU);
    await until(() => events.some((e) => e.type === 'BlockRemoved' && e.medium === 'CPU'), 'a CPU BlockRemoved event');
    expect(events.some((e) => e.type === 'BlockStored' && e.medium === 'CPU')).toBe(true);
  });

  it('refuses a tier with no bandwidth with a clear config error', async () => {
    await expect(startMocker({ port: 0, kvCpuBlocks: 8, kvCpuBandwidthGbps: 0 })).rejects.toThrow(/kvCpuBandwidthGbps: must be a number > 0, got 0/);
  });
});
