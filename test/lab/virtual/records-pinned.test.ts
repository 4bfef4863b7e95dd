/**
 * Pins the virtual cluster's output: for a fixed seed, every scenario's records, duration and loop
 * counters must hash to the value recorded before the speed work of issue 18 (same seed → byte-identical
 * per-request records). A change that alters what the simulation computes fails here; one that only
 * makes it faster does not. The full Mooncake trace is checked the same way by bench/virtual-digest.ts.
 * Re-pin only for an intended change of simulated behaviour, and say so in the commit.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildMultiturn, buildPrefixRatio, buildTrace, DEFAULT_TRACE_FILE, parseTraceJsonl } from '../../../src/client/workloads/index.ts';
import { runVirtual, type VirtualClusterConfig, type VirtualRouterConfig } from '../../../src/lab/virtual/index.ts';
import type { Workload } from '../../../src/client/workloads/types.ts';
import { cluster } from './helpers.ts';

// The first 150 requests of the Mooncake trace (~35 s of traffic), on engines small enough to evict.
const rows = parseTraceJsonl(readFileSync(DEFAULT_TRACE_FILE, 'utf8').split('\n').slice(0, 150).join('\n'));
const trace = buildTrace({}, { rows });
const chats = buildMultiturn({ numUsers: 10, numTurns: 4, numUserTokens: 300, maxCompletionTokens: 40, meanDelayMs: 200, speculativePrefill: true, systemPromptTokens: 500 });
const longChats = buildMultiturn({ numUsers: 12, numTurns: 3, numUserTokens: 1500, maxCompletionTokens: 30, meanDelayMs: 50, systemPromptTokens: 1000 });
// Prefix-ratio prompts (lazy lorem messages: shared prefix + own part) and a disaggregated cluster.
const prefixRatio = buildPrefixRatio({ requests: 60, isl: 3000, osl: 20, prefixRatio: 0.7, numPrefixPrompts: 4, concurrency: 6, seed: 9 });
const pdChats = buildMultiturn({ numUsers: 6, numTurns: 3, numUserTokens: 400, maxCompletionTokens: 40, ignoreEos: true, meanDelayMs: 50, systemPromptTokens: 300, speculativePrefill: true, seed: 5 });

function digest(workload: Workload, c: VirtualClusterConfig, seed: number): string {
  const r = runVirtual({ workload, cluster: c, seed });
  return createHash('sha256').update(JSON.stringify(r)).digest('hex').slice(0, 16);
}

const traceCluster = (router: Partial<VirtualRouterConfig>) => cluster({ numWorkers: 4, engine: { maxModelLen: 262_144, numGpuBlocks: 4000 }, router });

describe('virtual cluster records are pinned (same seed, byte-identical records)', () => {
  it('replays the head of the Mooncake trace identically under every router mode', () => {
    const got = {
      kv: digest(trace, traceCluster({ mode: 'kv' }), 0),
      roundRobin: digest(trace, traceCluster({ mode: 'round-robin' }), 0),
      kvApprox: digest(trace, traceCluster({ mode: 'kv-approx' }), 0),
      leastLoaded: digest(trace, traceCluster({ mode: 'least-loaded' }), 0),
      random: digest(trace, traceCluster({ mode: 'random' }), 0),
      kvSampled: digest(trace, traceCluster({ mode: 'kv', routerTemperature: 0.3 }), 1),
    };
    expect(got).toEqual(PINNED.trace);
  });

  it('runs multi-turn chats with speculative prefill, thinking, stale signals, an oracle, replicas and offload tiers identically', () => {
    const small = { numGpuBlocks: 120 };
    const got = {
      chatsKv: digest(chats, cluster({ numWorkers: 3, engine: { numGpuBlocks: 60 }, reasoningRatio: 0.3, router: { mode: 'kv' } }), 3),
      chatsApprox: digest(chats, cluster({ numWorkers: 3, engine: { numGpuBlocks: 60 }, reasoningRatio: 0.3, router: { mode: 'kv-approx' } }), 3),
      staleLossy: digest(longChats, cluster({ numWorkers: 4, engine: small, router: { mode: 'kv', kvEventDelayMs: 20, kvEventLoss: 0.2, routerTtlS: 1 } }), 4),
      oracle: digest(longChats, cluster({ numWorkers: 4, engine: small, router: { mode: 'kv', oracle: true } }), 4),
      replicasRefresh: digest(longChats, cluster({ numWorkers: 4, engine: small, router: { mode: 'kv', replicas: 2, loadRefreshMs: 50 } }), 4),
      tiers: digest(longChats, cluster({ numWorkers: 4, engine: { ...small, kvCpuBlocks: 200, kvDiskBlocks: 400 }, router: { mode: 'kv' } }), 4),
    };
    expect(got).toEqual(PINNED.chats);
  });

  it('runs prefix-ratio prompts and a disaggregated prefill/decode cluster identically', () => {
    const got = {
      prefixKv: digest(prefixRatio, cluster({ numWorkers: 3, engine: { numGpuBlocks: 400 }, router: { mode: 'kv' } }), 7),
      prefixRoundRobin: digest(prefixRatio, cluster({ numWorkers: 3, engine: { numGpuBlocks: 400 }, router: { mode: 'round-robin' } }), 7),
      disaggregated: digest(pdChats, cluster({ numWorkers: 3, prefillWorkers: 1, engine: { numGpuBlocks: 96 } }), 6),
    };
    expect(got).toEqual(PINNED.prefixAndPd);
  });
});

// Recorded at a0fff4f (before the speed work of issue 18).
const PINNED = {
  trace: { kv: '446706d550f5add0', roundRobin: 'fa6878653fdc39bf', kvApprox: '6ac096bc8c27dfd7', leastLoaded: '3a4933ce6e02f2f1', random: '0305ddbd7ae4d204', kvSampled: 'ab9fdca6312a1826' },
  chats: { chatsKv: 'b66cf88b13e662a7', chatsApprox: '4ec040f690f11aee', staleLossy: '4cea20c5fc9dcbd1', oracle: 'cc202cc2d716921c', replicasRefresh: '31096336ea85701f', tiers: '24faca153b1216c5' },
  // Recorded at c4e5484 (before the virtual prompts went hash-only and prefix-ratio content writers).
  prefixAndPd: { prefixKv: '1cf7bdd4de2c63e0', prefixRoundRobin: 'dd39c0b9129c7a3e', disaggregated: '35416e34ef874ae8' },
};
