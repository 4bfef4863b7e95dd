/**
 * Benchmark 3a — the router's KV indexer at scale: 1,000,000 distinct blocks over 64 workers.
 *
 * - Events: the index is filled from empty through `RouterCore.applyEvents` with `BlockStored` events
 *   of ONE block each (so events/s = blocks/s, the hardest case: real vLLM batches carry several
 *   blocks). Each event carries its 64 token ids and parent hash, as vLLM's format does. Two senders:
 *   a kvlab worker (its hashes are the router's: after the first 32 re-hashed blocks verify that, the
 *   applier trusts them; target ≥ 2 M/s) and a foreign one (other hashes, e.g. vLLM's: every block is
 *   re-hashed from its token ids and its external→local mapping kept; target ≥ 1 M/s). Baseline: the
 *   same blocks stored with `KvIndexer.store` directly (hashes precomputed, one call per prompt).
 *   Event objects are built outside the timed region, one prompt (219 blocks) per applyEvents call.
 * - Routing: `RouterCore.route` (kv mode) of a 14,000-token request (218 block hashes at block size
 *   64) with 256 other requests in flight, each decision followed by `finish` (untimed); half the
 *   requests are a stored prompt's full prefix (the overlap walk reads all 218 blocks), half diverge
 *   at a random block. Latency p50/p99 from tinybench samples.
 * Data: prompts of 219 blocks; prompt p is on worker p mod 64; first blocks differ per prompt, later
 * blocks reuse one token run (the chained parent hash keeps every block distinct).
 */
import { Bench } from 'tinybench';
import { performance } from 'node:perf_hooks';
import { hashBlock, ROOT_HASH } from '../../src/core/block-hash.ts';
import { createRng } from '../../src/core/rng.ts';
import { KvIndexer } from '../../src/router-sim/indexer.ts';
import type { KvEventLike } from '../../src/router-sim/kv-event-apply.ts';
import { RouterCore } from '../../src/router-sim/router-core.ts';
import { makeFigure, repetitions } from '../lib/figure.ts';
import type { Suite } from '../lib/types.ts';

const WORKERS = 64;
const BLOCK = 64;
const TOTAL_BLOCKS = 1_000_000;
const PROMPT_BLOCKS = 219;
const ISL = 14_000;
const REQ_BLOCKS = Math.floor(ISL / BLOCK);
const IN_FLIGHT = 256;

interface Corpus {
  /** Per prompt: its block hashes (external = local: the mocker hashes like the router). */
  hashes: number[][];
  /** Per prompt: the token ids of its first block. */
  firstTokens: number[][];
  common: number[];
}

function buildCorpus(): Corpus {
  const common = Array.from({ length: BLOCK }, (_, i) => 1000 + i);
  const hashes: number[][] = [];
  const firstTokens: number[][] = [];
  let left = TOTAL_BLOCKS;
  for (let p = 0; left > 0; p++) {
    const n = Math.min(PROMPT_BLOCKS, left);
    const first = Array.from({ length: BLOCK }, (_, i) => (p * BLOCK + i) % 150_000);
    const hs = new Array<number>(n);
    let parent = ROOT_HASH;
    for (let b = 0; b < n; b++) {
      parent = hashBlock(parent, b === 0 ? first : common, 0, BLOCK);
      hs[b] = parent;
    }
    hashes.push(hs);
    firstTokens.push(first);
    left -= n;
  }
  return { hashes, firstTokens, common };
}

function newCore(): RouterCore {
  return new RouterCore({
    workerNames: Array.from({ length: WORKERS }, (_, i) => `worker-${i}`),
    mode: 'kv',
    blockSize: BLOCK,
    overlapScoreWeight: 1,
    temperature: 0,
    routerTtlS: 120,
    seed: 0,
  });
}

/** A foreign worker's hash of a block: not the router's (any other safe integer function will do). */
function foreignHash(h: number): number {
  return (h + 0x5bd1e995) % Number.MAX_SAFE_INTEGER;
}

function eventsOf(c: Corpus, p: number, foreign: boolean): KvEventLike[] {
  const hs = foreign ? c.hashes[p].map(foreignHash) : c.hashes[p];
  return hs.map((h, b) => ({ type: 'BlockStored' as const, blockHashes: [h], parentHash: b === 0 ? null : hs[b - 1], tokenIds: b === 0 ? c.firstTokens[p] : c.common, blockSize: BLOCK }));
}

/** Fill a fresh core through applyEvents; returns events/s (time spent inside applyEvents only). */
function fillViaEvents(c: Corpus, foreign: boolean): { perS: number; core: RouterCore } {
  const core = newCore();
  let ms = 0;
  let events = 0;
  for (let p = 0; p < c.hashes.length; p++) {
    const evs = eventsOf(c, p, foreign);
    const t0 = performance.now();
    const r = core.applyEvents(p % WORKERS, evs);
    ms += performance.now() - t0;
    if (r.skipped > 0) throw new Error(`applyEvents skipped ${r.skipped} events`);
    events += evs.length;
  }
  if (core.indexer.size !== TOTAL_BLOCKS) throw new Error(`index holds ${core.indexer.size} blocks, expected ${TOTAL_BLOCKS}`);
  for (let w = 0; w < WORKERS; w++) if (core.events.isTrusted(w) === foreign) throw new Error(`worker ${w} is ${foreign ? '' : 'not '}trusted after the fill`);
  return { perS: events / (ms / 1000), core };
}

function fillDirect(c: Corpus): number {
  const idx = new KvIndexer(WORKERS);
  const t0 = performance.now();
  for (let p = 0; p < c.hashes.length; p++) idx.store(p % WORKERS, c.hashes[p]);
  const s = (performance.now() - t0) / 1000;
  if (idx.size !== TOTAL_BLOCKS) throw new Error(`index holds ${idx.size} blocks, expected ${TOTAL_BLOCKS}`);
  return TOTAL_BLOCKS / s;
}

/** 14,000-token requests: a stored prompt's prefix, half of them diverging at a random block. */
function requests(c: Corpus, n: number): number[][] {
  const rng = createRng('bench/router-requests');
  const full = c.hashes.filter((h) => h.length >= REQ_BLOCKS);
  return Array.from({ length: n }, (_, i) => {
    const src = full[rng.int(0, full.length - 1)];
    const hs = src.slice(0, REQ_BLOCKS);
    if (i % 2 === 1) {
      let parent = hs[rng.int(0, REQ_BLOCKS - 1)];
      for (let b = hs.indexOf(parent) + 1; b < REQ_BLOCKS; b++) {
        parent = hashBlock(parent, [i, b, 7, 7], 0, 4);
        hs[b] = parent;
      }
    }
    return hs;
  });
}

async function routeLatency(core: RouterCore, reqs: number[][], timeMs: number): Promise<{ p50Us: number; p99Us: number; samples: number }> {
  let k = 0;
  let id = '';
  const bench = new Bench({ time: timeMs, warmupTime: Math.min(300, timeMs / 4), retainSamples: false });
  bench.add(
    'route',
    () => {
      id = `bench-${k}`;
      core.route(id, reqs[k % reqs.length], ISL, k);
      k++;
    },
    { async: false, afterEach: () => core.finish(id) },
  );
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== 'completed') throw new Error(`route benchmark ${r.state}${r.state === 'errored' ? `: ${r.error.message}` : ''}`);
  if (core.tracker.size !== IN_FLIGHT) throw new Error(`${core.tracker.size} requests in flight after the benchmark, expected ${IN_FLIGHT}`);
  return { p50Us: r.latency.p50 * 1000, p99Us: r.latency.p99 * 1000, samples: r.latency.samplesCount };
}

export const routerIndexer: Suite = {
  id: 'router-indexer',
  title: 'Router: KV indexer with 1,000,000 blocks over 64 workers',
  async run(opts, log) {
    const runs = repetitions(opts, 2, 3);
    // A fill is itself an aggregate over ~4,600 applyEvents calls: --quick fills once.
    const fills = opts.quick && opts.runs === undefined ? 1 : runs;
    const corpus = buildCorpus();
    const viaEvents: number[] = [];
    const viaForeign: number[] = [];
    const direct: number[] = [];
    let core: RouterCore | null = null;
    const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
    for (let i = 0; i < fills; i++) {
      direct.push(fillDirect(corpus));
      core = null;
      viaForeign.push(fillViaEvents(corpus, true).perS);
      const filled = fillViaEvents(corpus, false);
      viaEvents.push(filled.perS);
      core = filled.core;
      log(`fill run ${i + 1}: applyEvents ${fmt(filled.perS)} events/s (foreign hashes ${fmt(viaForeign[i])}), store ${fmt(direct[i])} blocks/s`);
    }
    const reqs = requests(corpus, 2000);
    for (let i = 0; i < IN_FLIGHT; i++) core!.route(`background-${i}`, reqs[(i * 7) % reqs.length], ISL, 0);
    const p50: number[] = [];
    const p99: number[] = [];
    let samples = 0;
    for (let i = 0; i < runs; i++) {
      const r = await routeLatency(core!, reqs, opts.quick ? 500 : 3000);
      log(`route run ${i + 1}: p50 ${r.p50Us.toFixed(1)} µs, p99 ${r.p99Us.toFixed(1)} µs (${r.samples} samples)`);
      p50.push(r.p50Us);
      p99.push(r.p99Us);
      samples += r.samples;
    }
    const where = `${TOTAL_BLOCKS.toLocaleString('en-US')} blocks, ${WORKERS} workers`;
    const figures = [
      makeFigure({ id: 'router.kv_events_per_s', name: 'KV events applied/s (RouterCore.applyEvents)', unit: 'events/s', values: viaEvents, baseline: { name: 'KvIndexer.store direct, blocks/s', values: direct }, target: { on: 'value', op: '>=', limit: 2_000_000 }, note: `${where}; one-block BlockStored events with token ids from a kvlab worker (hashes verified on the first 32 blocks, then trusted)` }),
      makeFigure({ id: 'router.kv_events_rehashed_per_s', name: 'KV events applied/s, foreign hashes (re-hashed)', unit: 'events/s', values: viaForeign, baseline: { name: 'KvIndexer.store direct, blocks/s', values: direct }, target: { on: 'value', op: '>=', limit: 1_000_000 }, note: `${where}; one-block BlockStored events with token ids and hashes that are not the router's: every local hash recomputed, external→local mapping kept` }),
      makeFigure({ id: 'router.route_p50_us', name: 'route decision p50, 14k-token request', unit: 'µs', values: p50, note: `${where}, kv policy, ${IN_FLIGHT} in flight, ${samples} samples` }),
      makeFigure({ id: 'router.route_p99_us', name: 'route decision p99, 14k-token request', unit: 'µs', values: p99, target: { on: 'value', op: '<', limit: 50 }, note: `${where}, kv policy, ${IN_FLIGHT} in flight, ${samples} samples` }),
    ];
    return { figures, config: { runs, fills, workers: WORKERS, blocks: TOTAL_BLOCKS, blockSize: BLOCK, promptBlocks: PROMPT_BLOCKS, requestBlocks: REQ_BLOCKS, inFlight: IN_FLIGHT } };
  },
};
