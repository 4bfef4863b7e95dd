import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/mocker/engine/engine.ts';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../../src/mocker/engine/types.ts';
import { drive, tokens } from './drive.ts';

// Block size 4; 1e6 KV bytes per token over a 1 GB/s link: a token's KV moves in 1 ms alone, plus 2 ms latency.
const cfg = (over: Partial<EngineConfig> = {}): EngineConfig => ({
  ...DEFAULT_ENGINE_CONFIG,
  blockSize: 4,
  numGpuBlocks: 32,
  watermark: 0,
  maxModelLen: 128,
  kvBytesPerToken: 1e6,
  kvTransferBandwidthGbps: 1,
  kvTransferLatencyMs: 2,
  ...over,
});
const decode = (over: Partial<EngineConfig> = {}) => new Engine(cfg({ disaggregationMode: 'decode', ...over }));

describe('KV transfer into a decode worker (disaggregated prefill/decode)', () => {
  it('waits latency + bytes / bandwidth for the prompt KV, then computes only the last prompt token', () => {
    const e = decode();
    e.add({ id: 'r', prompt: tokens(1, 10), output: tokens(2, 3), remotePrefill: true });
    const wait = e.step(0);
    // 10 tokens × 1e6 B at 1 GB/s = 10 ms, then 2 ms latency.
    expect(wait).toMatchObject({ endMs: 12, prefillTokens: 0, decodeSeqs: 0, progress: [] });
    const first = e.step(wait.endMs);
    expect(first.prefillTokens).toBe(1);
    expect(first.progress[0]).toMatchObject({ id: 'r', first: true, kvTransferTokens: 10, cachedTokens: 0 });
    expect(e.stats()).toMatchObject({ kvTransfers: 1, kvTransferTokens: 10 });
  });

  it('shares the link between concurrent transfers, so two pulls end together at twice the time', () => {
    const e = decode();
    e.add({ id: 'a', prompt: tokens(1, 10), output: tokens(2, 1), remotePrefill: true });
    e.add({ id: 'b', prompt: tokens(3, 10), output: tokens(4, 1), remotePrefill: true });
    expect(e.step(0).endMs).toBe(22);
  });

  it('pulls only the prompt tokens it does not cache itself (a returning prefix moves fewer bytes)', () => {
    const e = decode();
    const prefix = tokens(5, 8);
    const { traces, steps } = drive(e, [
      { atMs: 0, req: { id: 'a', prompt: [...prefix, ...tokens(6, 2)], output: tokens(7, 2), remotePrefill: true } },
      { atMs: 100, req: { id: 'b', prompt: [...prefix, ...tokens(8, 6)], output: tokens(9, 2), remotePrefill: true } },
    ], { checkInvariants: true });
    expect(traces.get('b')!.cachedTokens).toBe(8);
    expect(e.stats().kvTransferTokens).toBe(10 + 6);
    // b's 6 tokens move in 6 ms + 2 ms latency, then its last token is computed.
    expect(steps.find((s) => s.startMs === 100)).toMatchObject({ endMs: 108, prefillTokens: 0 });
    expect(traces.get('b')!.firstAtMs!).toBeGreaterThan(108);
  });

  it('keeps decoding the running requests while a transfer is in flight', () => {
    const e = decode({ kvTransferBandwidthGbps: 0.01 }); // 100 ms per token: a 1 s pull
    const { traces } = drive(e, [
      { atMs: 0, req: { id: 'running', prompt: tokens(1, 6), output: tokens(2, 20) } },
      { atMs: 1, req: { id: 'pulled', prompt: tokens(3, 10), output: tokens(4, 2), remotePrefill: true } },
    ], { checkInvariants: true });
    const running = traces.get('running')!;
    // Every one of the running request's tokens is out before the pull (1 s) ends.
    expect(running.finishedAtMs!).toBeLessThan(1000);
    expect(traces.get('pulled')!.firstAtMs!).toBeGreaterThan(1000);
  });

  it('on a prefill worker, reports the blocks that held a remote-decode request when it finishes', () => {
    const e = new Engine(cfg({ disaggregationMode: 'prefill' }));
    e.add({ id: 'p', prompt: tokens(1, 10), output: tokens(2, 1), remoteDecode: true });
    const r = e.step(0);
    expect(r.progress[0]).toMatchObject({ id: 'p', first: true, finished: true });
    expect(r.progress[0].remoteBlockIds).toHaveLength(3);
    expect(e.stats().activeBlocks).toBe(0);
  });

  it('refuses kv_transfer_params a worker cannot honour, naming its mode', () => {
    const agg = new Engine(cfg());
    expect(() => agg.add({ id: 'x', prompt: tokens(1, 8), output: [1], remotePrefill: true })).toThrow(/do_remote_prefill needs a decode worker.*not in P\/D mode/);
    expect(() => agg.add({ id: 'y', prompt: tokens(1, 8), output: [1], remoteDecode: true })).toThrow(/do_remote_decode needs a prefill worker.*not in P\/D mode/);
    expect(() => decode().add({ id: 'z', prompt: tokens(1, 8), output: [1], remoteDecode: true })).toThrow(/this worker is decode/);
    expect(agg.hasWork()).toBe(false);
  });

  it('refuses a bad transfer setting with the engine config error', () => {
    expect(() => decode({ kvTransferBandwidthGbps: 0 })).toThrow(/kvTransferBandwidthGbps/);
    expect(() => new Engine(cfg({ disaggregationMode: 'both' as never }))).toThrow(/disaggregationMode/);
  });
});
