import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/mocker/engine/engine.ts';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../../src/mocker/engine/types.ts';
import { drive, tokens } from './drive.ts';

const cfg = (over: Partial<EngineConfig> = {}): EngineConfig => ({ ...DEFAULT_ENGINE_CONFIG, ...over });
const prefillMs = (t: number): number => 4.209989e-7 * t * t + 1.518344e-2 * t + 16.50142;
const decodeMs = (p: number): number => Math.max(1, -25.74 * p * p + 54.01 * p + 5.74);

describe('engine timing in virtual time', () => {
  it('gives a lone 1,000-token prompt a TTFT of one prefill step (32.1 ms)', () => {
    const e = new Engine(cfg());
    const { traces, steps } = drive(e, [{ atMs: 0, req: { id: 'a', prompt: tokens(1, 1000), output: tokens(2, 4) } }]);
    expect(traces.get('a')!.firstAtMs).toBeCloseTo(32.1, 1);
    expect(traces.get('a')!.firstAtMs).toBeCloseTo(prefillMs(1000), 9);
    expect(steps[0].prefillTokens).toBe(1000);
    expect(steps[0].decodeSeqs).toBe(0);
  });

  it('divides step durations by the speedup ratio (3.21 ms at 10x)', () => {
    const e = new Engine(cfg({ speedupRatio: 10 }));
    const { traces } = drive(e, [{ atMs: 5, req: { id: 'a', prompt: tokens(1, 1000), output: tokens(2, 4) } }]);
    expect(traces.get('a')!.firstAtMs! - 5).toBeCloseTo(3.21, 2);
  });

  it('times decode steps by KV usage and divides them by both speedup ratios', () => {
    const e = new Engine(cfg({ blockSize: 16, numGpuBlocks: 100, speedupRatio: 2, decodeSpeedupRatio: 4 }));
    const { steps } = drive(e, [{ atMs: 0, req: { id: 'a', prompt: tokens(1, 640), output: tokens(2, 3) } }]);
    expect(steps).toHaveLength(3);
    expect(steps[0].endMs - steps[0].startMs).toBeCloseTo(prefillMs(640) / 2, 9);
    // Decode computes token 640 into a new (41st) block: 41 of 100 blocks referenced.
    expect(steps[1].decodeSeqs).toBe(1);
    expect(steps[1].endMs - steps[1].startMs).toBeCloseTo(decodeMs(0.41) / 8, 9);
  });

  it('serves a cached prompt with a lower TTFT', () => {
    const e = new Engine(cfg());
    const prompt = tokens(3, 1000);
    const { traces } = drive(e, [
      { atMs: 0, req: { id: 'cold', prompt, output: tokens(4, 8) } },
      { atMs: 1000, req: { id: 'warm', prompt, output: tokens(4, 8) } },
    ]);
    const cold = traces.get('cold')!;
    const warm = traces.get('warm')!;
    expect(warm.cachedTokens).toBe(960);
    expect(warm.firstAtMs! - warm.addedAtMs).toBeLessThan(cold.firstAtMs! - cold.addedAtMs);
    expect(warm.firstAtMs! - warm.addedAtMs).toBeCloseTo(prefillMs(40), 9);
  });

  it.each([
    [1024, 64], // block-aligned: vLLM recomputes the whole last block
    [1000, 40], // the tokens after the last whole block
  ])('recomputes what vLLM recomputes of a fully cached %i-token prompt: %i tokens', (len, recomputed) => {
    const e = new Engine(cfg());
    const prompt = tokens(5, len);
    const { traces, steps } = drive(e, [
      { atMs: 0, req: { id: 'a', prompt, output: tokens(6, 2) } },
      { atMs: 500, req: { id: 'b', prompt, output: tokens(6, 2) } },
    ]);
    const firstOfB = steps.find((s) => s.startMs >= 500)!;
    expect(firstOfB.prefillTokens).toBe(recomputed);
    expect(firstOfB.progress.map((p) => [p.id, p.first])).toEqual([['b', true]]);
    expect(traces.get('b')!.cachedTokens).toBe(len - recomputed);
  });

  it('splits a 20,000-token prompt over 3 chunked-prefill steps', () => {
    const e = new Engine(cfg());
    const { steps, traces } = drive(e, [{ atMs: 0, req: { id: 'long', prompt: tokens(7, 20_000), output: tokens(8, 2) } }]);
    expect(steps.slice(0, 3).map((s) => s.prefillTokens)).toEqual([8192, 8192, 3616]);
    expect(traces.get('long')!.firstAtMs).toBeCloseTo(2 * prefillMs(8192) + prefillMs(3616), 6);
    expect(steps[0].progress).toEqual([]);
  });

  it('runs a 20,000-token prompt in one step without chunked prefill', () => {
    const e = new Engine(cfg({ enableChunkedPrefill: false }));
    const { steps } = drive(e, [{ atMs: 0, req: { id: 'long', prompt: tokens(7, 20_000), output: tokens(8, 2) } }]);
    expect(steps[0].prefillTokens).toBe(20_000);
    expect(steps[0].progress[0].first).toBe(true);
  });

  it('without chunked prefill, makes a prompt that does not fit the budget left wait for the next step', () => {
    const e = new Engine(cfg({ enableChunkedPrefill: false, maxNumBatchedTokens: 1000 }));
    const { steps } = drive(e, [
      { atMs: 0, req: { id: 'a', prompt: tokens(1, 600), output: tokens(2, 2) } },
      { atMs: 0, req: { id: 'b', prompt: tokens(3, 600), output: tokens(4, 2) } },
    ]);
    expect(steps[0].prefillTokens).toBe(600);
    expect(steps[1].prefillTokens).toBe(600);
    expect(steps[1].decodeSeqs).toBe(1);
  });

  it('batches decodes of running requests with the prefill of a new one', () => {
    const e = new Engine(cfg());
    const { steps } = drive(e, [
      { atMs: 0, req: { id: 'a', prompt: tokens(1, 100), output: tokens(2, 10) } },
      { atMs: 40, req: { id: 'b', prompt: tokens(3, 300), output: tokens(4, 2) } },
    ]);
    const mixed = steps.find((s) => s.prefillTokens === 300)!;
    expect(mixed.decodeSeqs).toBe(1);
    expect(mixed.endMs - mixed.startMs).toBeGreaterThan(prefillMs(300));
  });
});

describe('engine scheduling limits', () => {
  it('preempts under a tiny KV capacity and still finishes every request with all its tokens', () => {
    const e = new Engine(cfg({ blockSize: 4, numGpuBlocks: 12, watermark: 0 }));
    const reqs = [0, 1, 2].map((i) => ({ id: `r${i}`, prompt: tokens(10 + i, 8), output: tokens(20 + i, 20) }));
    const preempted: string[] = [];
    const { traces } = drive(
      e,
      reqs.map((req) => ({ atMs: 0, req })),
      {
        checkInvariants: true,
        onStep: (r) => {
          preempted.push(...r.preempted);
          if (r.preempted.length > 0) expect(r.prefillTokens).toBe(0); // no admission in a preempting step
        },
      },
    );
    expect(e.stats().preemptions).toBeGreaterThan(0);
    expect(preempted.length).toBe(e.stats().preemptions);
    expect(preempted).not.toContain('r0'); // the oldest is never the victim
    for (const req of reqs) {
      const tr = traces.get(req.id)!;
      expect(tr.tokens).toEqual(req.output);
      expect(tr.firstCount).toBe(1);
      expect(tr.finishedAtMs).not.toBeNull();
    }
    expect(e.stats().activeBlocks).toBe(0);
    expect(e.hasWork()).toBe(false);
  });

  it('recomputes a preempted request as prefill of its prompt plus the tokens it already emitted', () => {
    const e = new Engine(cfg({ blockSize: 4, numGpuBlocks: 8, watermark: 0, enablePrefixCaching: false }));
    const steps = drive(e, [
      { atMs: 0, req: { id: 'old', prompt: tokens(1, 8), output: tokens(2, 12) } },
      { atMs: 0, req: { id: 'new', prompt: tokens(3, 8), output: tokens(4, 12) } },
    ]).steps;
    const at = steps.findIndex((s) => s.preempted.includes('new'));
    expect(at).toBeGreaterThan(0);
    const emittedBefore = steps.slice(0, at + 1).flatMap((s) => s.progress).filter((p) => p.id === 'new').length;
    const readmit = steps.slice(at + 1).find((s) => s.prefillTokens > 0)!;
    expect(readmit.prefillTokens).toBe(8 + emittedBefore);
  });

  it('never runs more than max-num-seqs requests at once', () => {
    const e = new Engine(cfg({ maxNumSeqs: 2 }));
    let maxRunning = 0;
    let sawWaiting = false;
    const reqs = [0, 1, 2, 3, 4].map((i) => ({ atMs: 0, req: { id: `r${i}`, prompt: tokens(i, 50), output: tokens(i + 9, 5) } }));
    const { traces } = drive(e, reqs, {
      onStep: (r) => {
        const s = e.stats();
        maxRunning = Math.max(maxRunning, s.running + r.progress.filter((p) => p.finished).length);
        if (s.waiting > 0) sawWaiting = true;
      },
    });
    expect(maxRunning).toBe(2);
    expect(sawWaiting).toBe(true);
    expect([...traces.values()].every((t) => t.tokens.length === 5)).toBe(true);
  });

  it('keeps the watermark free: a request that would eat into it waits for blocks', () => {
    const run = (watermark: number) => {
      const e = new Engine(cfg({ blockSize: 4, numGpuBlocks: 100, watermark }));
      return drive(e, [
        { atMs: 0, req: { id: 'big', prompt: tokens(1, 340), output: tokens(2, 3) } },
        { atMs: 0, req: { id: 'small', prompt: tokens(3, 24), output: tokens(4, 2) } },
      ]).traces;
    };
    const guarded = run(0.1); // 85 + 6 blocks would leave 9 < 10 free
    expect(guarded.get('small')!.firstAtMs!).toBeGreaterThanOrEqual(guarded.get('big')!.finishedAtMs!);
    const open = run(0);
    expect(open.get('small')!.firstAtMs!).toBe(open.get('big')!.firstAtMs!);
  });

  it('admits strictly first-come-first-served: a blocked head holds back smaller requests', () => {
    const e = new Engine(cfg({ blockSize: 4, numGpuBlocks: 20, watermark: 0, enablePrefixCaching: false }));
    const { traces } = drive(e, [
      { atMs: 0, req: { id: 'a', prompt: tokens(1, 40), output: tokens(2, 4) } },
      { atMs: 1, req: { id: 'head', prompt: tokens(3, 40), output: tokens(4, 2) } },
      { atMs: 2, req: { id: 'tiny', prompt: tokens(5, 4), output: tokens(6, 2) } },
    ]);
    expect(traces.get('tiny')!.firstAtMs!).toBeGreaterThanOrEqual(traces.get('head')!.firstAtMs!);
  });

  it('reports an idle step when there is no work', () => {
    const e = new Engine(cfg());
    const r = e.step(12);
    expect(r).toMatchObject({ idle: true, startMs: 12, endMs: 12, prefillTokens: 0, decodeSeqs: 0, progress: [], events: [] });
  });

  it('aborts waiting and running requests and releases their blocks', () => {
    const e = new Engine(cfg({ maxNumSeqs: 1 }));
    e.add({ id: 'run', prompt: tokens(1, 200), output: tokens(2, 50) });
    e.add({ id: 'wait', prompt: tokens(3, 200), output: tokens(4, 50) });
    e.step(0);
    expect(e.stats()).toMatchObject({ running: 1, waiting: 1 });
    expect(e.stats().activeBlocks).toBeGreaterThan(0);
    e.abort('wait');
    e.abort('run');
    expect(e.abort('unknown')).toEqual([]);
    e.assertInvariants();
    expect(e.stats()).toMatchObject({ running: 0, waiting: 0, activeBlocks: 0 });
    expect(e.hasWork()).toBe(false);
    e.add({ id: 'run', prompt: tokens(1, 200), output: tokens(2, 1) }); // the id is free again
  });
});

describe('engine input checks', () => {
  it('rejects a duplicate id, an empty prompt or output, and requests that can never fit', () => {
    const e = new Engine(cfg({ blockSize: 16, numGpuBlocks: 10, maxModelLen: 1000, watermark: 0.1 }));
    e.add({ id: 'x', prompt: [1, 2, 3], output: [4] });
    expect(() => e.add({ id: 'x', prompt: [1], output: [2] })).toThrow(/already/);
    expect(() => e.add({ id: 'e', prompt: [], output: [2] })).toThrow(RangeError);
    expect(() => e.add({ id: 'o', prompt: [1], output: [] })).toThrow(RangeError);
    expect(() => e.add({ id: 'len', prompt: tokens(1, 990), output: tokens(2, 11) })).toThrow(/max-model-len/);
    // 9 blocks of tokens + 1 watermark block fit in 10; one more token does not.
    e.add({ id: 'fits', prompt: tokens(1, 100), output: tokens(2, 45) });
    expect(() => e.add({ id: 'big', prompt: tokens(1, 100), output: tokens(2, 46) })).toThrow(/KV blocks/);
    expect(() => e.add({ id: 'h', prompt: tokens(1, 40), output: [1], promptHashes: [1] })).toThrow(/promptHashes/);
  });

  it('rejects a bad config naming the field', () => {
    expect(() => new Engine(cfg({ blockSize: 0 }))).toThrow(/blockSize/);
    expect(() => new Engine(cfg({ watermark: 1 }))).toThrow(/watermark/);
    expect(() => new Engine(cfg({ speedupRatio: -1 }))).toThrow(/speedupRatio/);
  });
});
