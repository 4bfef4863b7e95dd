import { describe, expect, it } from 'vitest';
import { templateOverhead } from '../../../src/core/chat-template.ts';
import { buildMultiturn, buildPrefixRatio } from '../../../src/client/workloads/index.ts';
import { DEFAULT_PREFILL } from '../../../src/mocker/engine/index.ts';
import { runVirtual } from '../../../src/lab/virtual/index.ts';
import { cluster, lorem, script, turn, workload } from './helpers.ts';

describe('runVirtual', () => {
  it('gives identical records for the same seed and different ones for another seed', () => {
    const w = buildMultiturn({ numUsers: 4, numTurns: 3, numUserTokens: 100, maxCompletionTokens: 60, ignoreEos: false, meanDelayMs: 500, seed: 3 });
    const c = cluster({ numWorkers: 2, router: { mode: 'random' } });
    const a = runVirtual({ workload: w, cluster: c, seed: 1 });
    const b = runVirtual({ workload: w, cluster: c, seed: 1 });
    const other = runVirtual({ workload: w, cluster: c, seed: 2 });
    expect(a.records).toHaveLength(12);
    expect(b.records).toEqual(a.records);
    expect(b.durationMs).toBe(a.durationMs);
    expect(other.records.map((r) => r.outputTokens)).not.toEqual(a.records.map((r) => r.outputTokens));
  });

  it("reports a lone request's TTFT as the engine's prefill formula (1,000-token prompt → 32.1 ms)", () => {
    const content = 1000 - templateOverhead(1);
    const w = workload([script('solo', [turn(content, 'solo', { maxTokens: 5 })])]);
    const [r] = runVirtual({ workload: w, cluster: cluster(), seed: 0 }).records;
    const [c2, c1, c0] = DEFAULT_PREFILL;
    expect(r.inputTokens).toBe(1000);
    expect(r.ttftMs).toBeCloseTo(c2 * 1e6 + c1 * 1000 + c0, 9);
    expect(r.ttftMs).toBeCloseTo(32.1, 1);
    expect(r.ttfatMs).toBe(r.ttftMs);
    expect(r.outputTokens).toBe(5);
    expect(r.itlMs).toHaveLength(4);
    expect(r.e2eMs).toBeCloseTo(r.ttftMs! + r.itlMs!.reduce((s, x) => s + x, 0), 9);
    expect(r.tpotMs).toBeCloseTo((r.e2eMs! - r.ttftMs!) / 4, 9);
    expect(r).toMatchObject({ conversationId: 'solo', turn: 1, sentAtMs: 0, worker: 'worker-0', ok: true, error: null, status: null, label: null, cachedTokens: 0 });
  });

  it('divides durations by the engine speedup ratio', () => {
    const w = workload([script('solo', [turn(993, 'solo', { maxTokens: 3 })])]);
    const slow = runVirtual({ workload: w, cluster: cluster(), seed: 0 }).records[0];
    const fast = runVirtual({ workload: w, cluster: cluster({ engine: { speedupRatio: 10 } }), seed: 0 }).records[0];
    expect(fast.ttftMs).toBeCloseTo(slow.ttftMs! / 10, 9);
    expect(fast.e2eMs).toBeCloseTo(slow.e2eMs! / 10, 9);
  });

  it('copies script tags onto records and counts requests per worker', () => {
    const w = workload([
      script('a', [turn(50, 'a1'), turn(50, 'a2')], { tags: { group: 'x' } }),
      script('b', [turn(50, 'b1')], { tags: { group: 'y' } }),
    ]);
    const res = runVirtual({ workload: w, cluster: cluster({ numWorkers: 2, router: { mode: 'round-robin' } }), seed: 0 });
    expect(res.records.map((r) => r.tags?.group).sort()).toEqual(['x', 'x', 'y']);
    expect(res.stats.perWorker.map((p) => p.requests).reduce((s, n) => s + n, 0)).toBe(3);
    expect(res.stats.perWorker.map((p) => p.worker)).toEqual(['worker-0', 'worker-1']);
    expect(res.stats.steps).toBeGreaterThan(0);
    expect(res.stats.events).toBeGreaterThan(res.stats.steps);
  });

  it('routes prefix-heavy traffic better with kv than round-robin: more cached tokens, lower mean TTFT', () => {
    const w = buildPrefixRatio({ prefixRatio: 0.9, isl: 3000, osl: 20, requests: 60, concurrency: 2, numPrefixPrompts: 8, seed: 5 });
    const run = (mode: 'kv' | 'round-robin') => runVirtual({ workload: w, cluster: cluster({ numWorkers: 4, router: { mode } }), seed: 9 }).records;
    const stats = (recs: ReturnType<typeof run>) => ({
      cached: recs.reduce((s, r) => s + (r.cachedTokens ?? 0), 0),
      ttft: recs.reduce((s, r) => s + (r.ttftMs ?? 0), 0) / recs.length,
    });
    const kv = stats(run('kv'));
    const rr = stats(run('round-robin'));
    // 8 prefixes on 4 workers: kv warms each prefix once, round-robin once per worker.
    expect(kv.cached).toBeGreaterThan(rr.cached * 1.3);
    expect(kv.ttft).toBeLessThan(rr.ttft * 0.85);
  });

  it('records the first answer token after the thinking span (ttfatMs > ttftMs with reasoning)', () => {
    const w = workload([script('r', [turn(100, 'r', { maxTokens: 10 })])]);
    const [r] = runVirtual({ workload: w, cluster: cluster({ reasoningRatio: 0.5 }), seed: 0 }).records;
    // 5 thinking tokens, then the answer: the 6th token is the first answer token.
    expect(r.ttfatMs).toBeCloseTo(r.ttftMs! + r.itlMs!.slice(0, 5).reduce((s, x) => s + x, 0), 9);
  });

  it('reports a prompt longer than max-model-len as a 400 without stopping the run', () => {
    const w = workload([script('big', [turn(500, 'big'), turn(10, 'next')]), script('ok', [turn(10, 'ok')])]);
    const res = runVirtual({ workload: w, cluster: cluster({ engine: { maxModelLen: 300 } }), seed: 0 });
    const big = res.records.filter((r) => r.conversationId === 'big');
    expect(big).toHaveLength(1); // a failed turn ends a conversation that keeps history
    expect(big[0]).toMatchObject({ ok: false, status: 400, ttftMs: null, worker: null });
    expect(big[0].error).toMatch(/maximum context length is 300 tokens/);
    expect(res.records.find((r) => r.conversationId === 'ok')?.ok).toBe(true);
  });

  it('reports a request the KV cache can never hold as a 400 (the engine refuses it)', () => {
    const w = workload([script('huge', [turn(2000, 'huge')]), script('ok', [turn(10, 'ok')])]);
    const res = runVirtual({ workload: w, cluster: cluster({ engine: { numGpuBlocks: 16, watermark: 0 } }), seed: 0 });
    const huge = res.records.find((r) => r.conversationId === 'huge')!;
    expect(huge).toMatchObject({ ok: false, status: 400, worker: 'worker-0' });
    expect(huge.error).toMatch(/KV blocks/);
    expect(res.records.find((r) => r.conversationId === 'ok')?.ok).toBe(true);
  });

  it('tokenizes messages given as text (no contentTokens)', () => {
    const w = workload([script('t', [{ messages: [{ role: 'user', content: 'Hello there, how are you today?' }], maxTokens: 4, ignoreEos: true, delayMs: 0 }], { preamble: [lorem('system', 10, 's')] })]);
    const [r] = runVirtual({ workload: w, cluster: cluster(), seed: 0 }).records;
    expect(r.ok).toBe(true);
    expect(r.inputTokens).toBeGreaterThan(10 + templateOverhead(2));
  });
});
