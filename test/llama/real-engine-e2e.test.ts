/**
 * kvlab's client and router against a real transformer (llama.cpp on the CPU, a small generated model,
 * one thread per worker, 127.0.0.1): `bench multiturn` and `bench documents` against one llama-worker
 * reuse each conversation's prefix turn after turn, and the `kv` (fed by the workers' KV events) and
 * `kv-approx` routers in front of two llama-workers keep conversations on their worker where
 * round-robin scatters them. What is asserted is what the
 * engine reports (cached tokens, the worker of each request); the TTFT figures of the same runs
 * (first vs later turns, kv and kv-approx against round-robin) are printed, not asserted: wall-clock
 * speed on two shared cores, with other test files running beside, is not stable enough to gate CI on
 * (the README records measured figures).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench } from '../../src/client/bench.ts';
import { buildDocuments, buildMultiturn } from '../../src/client/workloads/index.ts';
import { loadDocuments } from '../../src/client/workloads/documents-loader.ts';
import { firstVsLaterSpeedup } from '../../src/core/summary.ts';
import { startLlamaWorker, type RunningLlamaWorker } from '../../src/llama/start.ts';
import { startRouter } from '../../src/router-sim/server/app.ts';
import type { RouterMode } from '../../src/router-sim/types.ts';
import { realEngineSkip, testModelPath } from './helpers.ts';

const skip = await realEngineSkip('test/llama/real-engine-e2e.test.ts');

let workers: RunningLlamaWorker[] = [];

beforeAll(async () => {
  if (skip) return;
  const gguf = testModelPath();
  for (let i = 0; i < 2; i++) workers.push(await startLlamaWorker({ gguf, name: `llama-${i}`, port: 0, parallel: 2, threads: 1, contextSize: 4096, kvEventsPort: 0, blockSize: 16 }));
}, 60_000);

afterAll(async () => {
  for (const w of workers) await w.close();
  workers = [];
});

/** Long per-user system prompts, short user turns: later turns compute a few dozen tokens, first turns ~1,500. */
const workload = (numUsers: number, numTurns = 3) =>
  buildMultiturn({ numUsers, numTurns, systemPromptTokens: 500, numUserTokens: 20, maxCompletionTokens: 4, ignoreEos: true, meanDelayMs: 0, seed: 5 });

type Rec = Awaited<ReturnType<typeof runBench>>['records'][number];

/** A run's records per conversation, each in turn order. */
function byConversation(records: readonly Rec[]): Rec[][] {
  const m = new Map<string, Rec[]>();
  for (const r of records) m.set(r.conversationId, [...(m.get(r.conversationId) ?? []), r]);
  return [...m.values()].map((rs) => rs.sort((a, b) => a.turn - b.turn));
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const laterTtft = (records: { turn: number; ttftMs: number | null }[]): number => mean(records.filter((r) => r.turn > 1).map((r) => r.ttftMs ?? NaN));

describe.skipIf(skip)('kvlab bench and router against llama.cpp', () => {
  /** One worker, a fresh cache: every request succeeds and every later turn hits its first turn's whole prompt (the TTFT speedup is printed). */
  const expectReuseOnOneWorker = async (label: string, workload: Parameters<typeof runBench>[0]['workload']): Promise<void> => {
    await fetch(`${workers[0].url}/reset_prefix_cache`, { method: 'POST' });
    const res = await runBench({ command: `bench ${label}`, workload, urls: [workers[0].url], outputDir: null, seed: 1 });
    expect(res.records).toHaveLength(6);
    for (const [t1, ...later] of byConversation(res.records)) {
      expect(t1.ok && later.every((r) => r.ok)).toBe(true);
      expect(t1.cachedTokens).toBeLessThanOrEqual(1);
      for (const r of later) expect(r.cachedTokens).toBeGreaterThanOrEqual(t1.inputTokens! - 1);
    }
    process.stdout.write(`llama-worker ${label}: first-turn vs later-turn TTFT speedup ${firstVsLaterSpeedup(res.records)!.toFixed(1)}×\n`);
  };

  it('bench multiturn against one llama-worker: every later turn reuses its conversation prefix', async () => {
    await expectReuseOnOneWorker('multiturn', workload(2));
  }, 120_000);

  it('bench documents against one llama-worker: follow-up questions reuse the whole document', async () => {
    const documents = (await loadDocuments()).slice(0, 2);
    await expectReuseOnOneWorker('documents', buildDocuments({ conversations: 2, turns: 3, maxTokens: 4, parallel: 2, minDelay: 0, maxDelay: 0, ignoreEos: true, seed: 2 }, { documents }));
  }, 120_000);

  it("router kv (fed by the workers' KV events) and kv-approx in front of two llama-workers keep conversations on their worker and reuse more cache than round-robin", async () => {
    const run = async (mode: RouterMode) => {
      for (const w of workers) await fetch(`${w.url}/reset_prefix_cache`, { method: 'POST' });
      const kvEvents = mode === 'kv' ? workers.map((w) => w.kvEventsEndpoint!) : [];
      const router = await startRouter({ workers: workers.map((w) => w.url), kvEvents, mode, port: 0, blockSize: 16, maxModelLen: 4096 });
      try {
        const { records } = await runBench({ command: 'bench multiturn', workload: workload(3, 4), urls: [router.url], outputDir: null, seed: 1 });
        if (mode === 'kv') {
          // the kv router's index was fed by both workers' events
          const metrics = await (await fetch(`${router.url}/metrics`)).text();
          const events = [...metrics.matchAll(/^kvlab_router_kv_events_total\{[^}]*\} (\d+)/gm)].map((m) => Number(m[1]));
          expect(events).toHaveLength(2);
          for (const n of events) expect(n).toBeGreaterThan(0);
        }
        return records;
      } finally {
        await router.close();
      }
    };
    const kv = await run('kv');
    const approx = await run('kv-approx');
    const rr = await run('round-robin');
    for (const r of [...kv, ...approx, ...rr]) expect(r.ok).toBe(true);
    /** Times a conversation's next turn went to another worker than its previous one, over the run. */
    const moves = (recs: Rec[]) => byConversation(recs).reduce((n, rs) => n + rs.filter((r, i) => i > 0 && r.worker !== rs[i - 1].worker).length, 0);
    const cachedLater = (recs: Rec[]) => mean(recs.filter((r) => r.turn > 1).map((r) => r.cachedTokens ?? 0));
    const spread = (recs: Rec[]) => byConversation(recs).map((rs) => rs.map((r) => r.worker).join('>')).join(' ');
    for (const [name, recs] of [['kv', kv], ['kv-approx', approx]] as const) {
      process.stdout.write(`${name}: ${spread(recs)}; later-turn mean TTFT ${laterTtft(recs).toFixed(0)} ms\n`);
      // A KV-aware policy may move a conversation when the other worker is much less loaded; round-robin moves them regardless.
      expect(moves(recs)).toBeLessThan(moves(rr));
      expect(cachedLater(recs)).toBeGreaterThan(cachedLater(rr));
    }
    process.stdout.write(`round-robin: ${spread(rr)}; later-turn mean TTFT ${laterTtft(rr).toFixed(0)} ms\n`);
  }, 180_000);
});
