/**
 * The soak: an embedded cluster (mock workers + KV-aware router on 127.0.0.1) under steady load for
 * `durationS`, with a share of clients aborting mid-stream (load.ts). Every `sampleEveryS` it records
 * the heap after GC; the baseline is the first sample at or after `warmupS` with at least
 * `warmupRequests` requests answered (bounded caches — the tokenizers' LRUs, the KV pools and the
 * router's index — fill up in that time; a short run counts requests, not seconds, so a slow machine
 * does not take its baseline before the caches are full). The measured window, `durationS - warmupS`,
 * starts at the baseline, so on a slow machine the run lasts longer rather than measuring less
 * (schedule.ts). At the end it stops the load and checks that nothing leaked:
 * - every engine has zero running and waiting requests and zero active KV blocks, and the router
 *   tracks no request in flight (aborted streams released everything);
 * - the heap after GC grew less than `maxHeapGrowth` from the baseline, both at the last sample under
 *   load and after the load has drained;
 * - requests were answered, and every failure was an abort the test asked for.
 * Returns the measurements and the list of problems (empty when it passed); printing is the caller's.
 */
import { startCluster } from '../src/lab/cluster.ts';
import { createRng } from '../src/core/rng.ts';
import { growth, heapAfterGc, type HeapSample } from './heap.ts';
import { startLoad } from './load.ts';
import { MAX_WARMUP_FACTOR, SampleSchedule } from './schedule.ts';

export interface SoakOptions {
  durationS: number;
  warmupS: number;
  warmupRequests: number;
  sampleEveryS: number;
  clients: number;
  abortShare: number;
  workers: number;
  speedupRatio: number;
  maxHeapGrowth: number;
  seed: number;
  onSample?: (s: HeapSample) => void;
}

export const SOAK_DEFAULTS: Readonly<SoakOptions> = Object.freeze({
  durationS: 600,
  warmupS: 60,
  warmupRequests: 0,
  sampleEveryS: 30,
  clients: 20,
  abortShare: 0.1,
  workers: 2,
  speedupRatio: 10,
  maxHeapGrowth: 0.1,
  seed: 0,
});

export interface EngineEnd {
  name: string;
  running: number;
  waiting: number;
  activeBlocks: number;
}

export interface SoakResult {
  options: Omit<SoakOptions, 'onSample'>;
  durationS: number;
  requests: { ok: number; failed: number; aborted: number; abortedEarly: number };
  errors: Record<string, number>;
  heap: { samples: HeapSample[]; baselineAtS: number | null; baselineBytes: number; underLoadBytes: number; drainedBytes: number; growthUnderLoad: number; growthDrained: number };
  engines: EngineEnd[];
  routerInFlight: number;
  problems: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSoak(partial: Partial<SoakOptions> = {}): Promise<SoakResult> {
  const o: SoakOptions = { ...SOAK_DEFAULTS, ...partial };
  if (o.warmupS >= o.durationS) throw new Error(`--warmup (${o.warmupS} s) must be shorter than --duration (${o.durationS} s)`);
  const cluster = await startCluster({
    numWorkers: o.workers,
    // A small KV pool, so it fills (and evicts) within the warm-up and the heap reaches its plateau.
    mocker: { speedupRatio: o.speedupRatio, numGpuBlocks: 1024, seed: o.seed },
    router: { port: 0, mode: 'kv', seed: o.seed },
  });
  try {
    const load = startLoad({ url: cluster.url, model: 'kvlab-mock', clients: o.clients, abortShare: o.abortShare, turnsPerConversation: 4, userTokens: 60, maxTokens: 24, rng: createRng(o.seed).fork('soak') });
    const started = performance.now();
    const elapsedS = () => (performance.now() - started) / 1000;
    const samples: HeapSample[] = [];
    const sample = (): HeapSample => {
      const s = { atS: elapsedS(), heapBytes: heapAfterGc(), requests: load.counters.ok + load.counters.failed + load.counters.aborted + load.counters.abortedEarly };
      samples.push(s);
      o.onSample?.(s);
      return s;
    };
    const schedule = new SampleSchedule(o);
    for (;;) {
      await sleep(Math.max(0, (schedule.nextAtS() - elapsedS()) * 1000));
      if (!schedule.record(sample())) break;
    }
    const baseline = schedule.baseline;
    const underLoad = samples[samples.length - 1];
    const durationS = elapsedS();
    await load.stop();
    const drainedBy = performance.now() + 10_000;
    const idle = () => cluster.mocker.workers.every((w) => w.engine.stats().running === 0 && w.engine.stats().waiting === 0) && cluster.router.state.core.tracker.size === 0;
    while (!idle() && performance.now() < drainedBy) await sleep(20);
    const drained = heapAfterGc();

    const engines: EngineEnd[] = cluster.mocker.workers.map((w) => {
      const s = w.engine.stats();
      return { name: w.name, running: s.running, waiting: s.waiting, activeBlocks: s.activeBlocks };
    });
    const base = baseline ?? underLoad;
    const c = load.counters;
    const result: SoakResult = {
      options: { durationS: o.durationS, warmupS: o.warmupS, warmupRequests: o.warmupRequests, sampleEveryS: o.sampleEveryS, clients: o.clients, abortShare: o.abortShare, workers: o.workers, speedupRatio: o.speedupRatio, maxHeapGrowth: o.maxHeapGrowth, seed: o.seed },
      durationS,
      requests: { ok: c.ok, failed: c.failed, aborted: c.aborted, abortedEarly: c.abortedEarly },
      errors: Object.fromEntries(c.errors),
      heap: {
        samples,
        baselineAtS: baseline?.atS ?? null,
        baselineBytes: base.heapBytes,
        underLoadBytes: underLoad.heapBytes,
        drainedBytes: drained,
        growthUnderLoad: growth(base.heapBytes, underLoad.heapBytes),
        growthDrained: growth(base.heapBytes, drained),
      },
      engines,
      routerInFlight: cluster.router.state.core.tracker.size,
      problems: [],
    };
    result.problems = problemsOf(result);
    return result;
  } finally {
    await cluster.close();
  }
}

/** What is wrong with a soak's result (empty: it passed). */
export function problemsOf(r: SoakResult): string[] {
  const out: string[] = [];
  for (const e of r.engines) {
    if (e.running !== 0 || e.waiting !== 0 || e.activeBlocks !== 0) out.push(`${e.name} ends with ${e.running} running, ${e.waiting} waiting, ${e.activeBlocks} active blocks`);
  }
  if (r.routerInFlight !== 0) out.push(`the router still tracks ${r.routerInFlight} requests in flight`);
  const limit = r.options.maxHeapGrowth;
  if (r.heap.baselineAtS === null) out.push(`the warm-up (${r.options.warmupS} s and ${r.options.warmupRequests} requests) did not end within ${MAX_WARMUP_FACTOR * r.options.warmupS} s: lower --warmup-requests`);
  else if (r.heap.samples[r.heap.samples.length - 1].atS <= r.heap.baselineAtS) out.push('no heap sample after the baseline: lengthen --duration or shorten --sample-every');
  if (r.heap.growthUnderLoad >= limit) out.push(`heap after GC grew ${(100 * r.heap.growthUnderLoad).toFixed(1)} % under load (limit ${100 * limit} %)`);
  if (r.heap.growthDrained >= limit) out.push(`heap after GC grew ${(100 * r.heap.growthDrained).toFixed(1)} % after the load drained (limit ${100 * limit} %)`);
  if (r.requests.ok === 0) out.push('no request was answered');
  if (r.options.abortShare > 0 && r.requests.aborted === 0) out.push('no request was aborted mid-stream');
  if (r.requests.failed > 0) out.push(`${r.requests.failed} requests failed: ${JSON.stringify(r.errors)}`);
  return out;
}
