/**
 * Sharding a workload (`kvlab bench <workload> --shard I/N`): shard I of N keeps the conversations
 * whose position in the workload is I modulo N — whole conversations (a trace session, a user), never
 * a conversation split — so the N shards together are exactly the unsharded workload, built from the
 * same parameters and seed. The load divides with them: a closed loop's concurrency and a clients
 * schedule's clients (and its request budget), a turn queue's workers and a workload's own warm-up
 * requests are split as evenly as whole numbers allow (the first
 * `c mod N` shards take one more); an open loop keeps every turn's send time, so each shard sends a
 * 1/N share of the arrivals and the union keeps the original rate. The runner's own randomness
 * (sampling, retry jitter) gets a seed derived from the run's seed and the shard, so shards do not
 * repeat each other's draws. A shard left with no conversation is an empty run (nothing is sent).
 * `I` counts from 0, like Kubernetes' JOB_COMPLETION_INDEX. Pure.
 */
import { makeError } from '../../core/errors.ts';
import { createRng } from '../../core/rng.ts';
import type { Schedule, Workload } from './types.ts';

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/** The reason `I/N` is not a shard, or null. */
export function shardProblem(s: Shard): string | null {
  if (!Number.isSafeInteger(s.count) || s.count < 1) return `N must be a whole number ≥ 1, got ${s.count}`;
  if (!Number.isSafeInteger(s.index) || s.index < 0 || s.index >= s.count) return `I must be a whole number from 0 to N−1 = ${s.count - 1}, got ${s.index}`;
  return null;
}

/** `I/N` → a shard (I from 0), or a reason it is not one. */
export function parseShard(raw: string): Shard | string {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(raw);
  if (!m) return `expected I/N (shard I of N, I from 0), got '${raw}'`;
  const s = { index: Number(m[1]), count: Number(m[2]) };
  return shardProblem(s) ?? s;
}

/** `total` split over `count` shards: this shard's part (the first `total mod count` take one more). */
export function shareOf(total: number, s: Shard): number {
  return Math.floor(total / s.count) + (s.index < total % s.count ? 1 : 0);
}

/** The runner seed of a shard (the run's own seed for 1 shard). */
export function shardSeed(seed: number, s: Shard): number {
  if (s.count === 1) return seed;
  return Math.floor(createRng(`${seed}/shard-${s.index}-of-${s.count}`).next() * 2 ** 31);
}

function shardSchedule(schedule: Schedule, s: Shard): Schedule {
  switch (schedule.kind) {
    case 'open':
      return schedule;
    case 'closed': {
      const concurrency = shareOf(schedule.concurrency, s);
      if (concurrency < 1) throw makeError('bad_flag', { flag: '--shard', detail: `the workload's concurrency (${schedule.concurrency}) is below the number of shards (${s.count}): use at most ${schedule.concurrency} shards` });
      return { ...schedule, concurrency };
    }
    case 'queue': {
      const workers = shareOf(schedule.workers, s);
      if (workers < 1) throw makeError('bad_flag', { flag: '--shard', detail: `the workload's ${schedule.workers} workers are fewer than the shards (${s.count}): use at most ${schedule.workers} shards` });
      return { ...schedule, workers };
    }
    case 'clients': {
      const numClients = shareOf(schedule.numClients, s);
      if (numClients < 1) throw makeError('bad_flag', { flag: '--shard', detail: `the workload's ${schedule.numClients} clients are fewer than the shards (${s.count}): use at most ${schedule.numClients} shards` });
      // maxNumRequests is a total split evenly per client (vLLM's rule): keep each client's part.
      const perClient = schedule.maxNumRequests === undefined ? undefined : Math.floor(schedule.maxNumRequests / schedule.numClients);
      return { ...schedule, numClients, ...(perClient === undefined ? {} : { maxNumRequests: perClient * numClients }) };
    }
  }
}

/** Shard `s` of workload `w` (w itself for 1 shard). Parameters stay the whole workload's. */
export function shardWorkload(w: Workload, s: Shard): Workload {
  const problem = shardProblem(s);
  if (problem !== null) throw makeError('bad_flag', { flag: '--shard', detail: problem });
  if (s.count === 1) return w;
  const scripts = w.scripts.filter((_, i) => i % s.count === s.index);
  // An empty shard sends nothing: an open loop with no turns ends at once, whatever the schedule was.
  const schedule: Schedule = scripts.length === 0 ? { kind: 'open' } : shardSchedule(w.schedule, s);
  // The workload's own warm-up requests are split like its load (each shard warms its part).
  const warmup = w.warmup ? { ...w.warmup, requests: shareOf(w.warmup.requests, s), concurrency: Math.max(1, shareOf(w.warmup.concurrency, s)) } : undefined;
  return { ...w, scripts, schedule, ...(warmup ? { warmup } : {}) };
}
