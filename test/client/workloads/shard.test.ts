import { describe, expect, it } from 'vitest';
import { getWorkload } from '../../../src/client/workloads/index.ts';
import { buildTrace } from '../../../src/client/workloads/trace.ts';
import { parseShard, shardSeed, shardWorkload, type Shard } from '../../../src/client/workloads/shard.ts';
import type { Workload } from '../../../src/client/workloads/types.ts';
import { KvlabError } from '../../../src/core/errors.ts';

const shards = (n: number): Shard[] => Array.from({ length: n }, (_, index) => ({ index, count: n }));
const ids = (w: Workload): string[] => w.scripts.map((s) => s.id);

const multiturn = (): Workload => getWorkload('multiturn').build({ numUsers: 7, numTurns: 3, numUserTokens: 16, maxCompletionTokens: 4, seed: 5 });
const trace = (): Workload =>
  buildTrace(
    {},
    { rows: Array.from({ length: 10 }, (_, i) => ({ timestamp: i * 100, input_length: 64, output_length: 4, hash_ids: [i % 3] })) },
  );

describe('sharding a workload (--shard I/N)', () => {
  it('the shards are disjoint whole conversations whose union is the unsharded workload', () => {
    for (const whole of [multiturn(), trace()]) {
      const parts = shards(3).map((s) => shardWorkload(whole, s));
      const union = parts.flatMap((p) => p.scripts);
      expect(union).toHaveLength(whole.scripts.length);
      expect(new Set(union.map((s) => s.id)).size).toBe(whole.scripts.length);
      // Each conversation unchanged (all its turns, its prompts and times): never split.
      for (const s of union) expect(s).toEqual(whole.scripts.find((w) => w.id === s.id));
      for (const p of parts) expect(p.params).toEqual(whole.params);
    }
  });

  it('a closed loop splits its concurrency over the shards (7 users over 3 shards: 3, 2, 2)', () => {
    const whole = multiturn();
    expect(whole.schedule).toEqual({ kind: 'closed', concurrency: 7 });
    const parts = shards(3).map((s) => shardWorkload(whole, s));
    expect(parts.map((p) => (p.schedule.kind === 'closed' ? p.schedule.concurrency : null))).toEqual([3, 2, 2]);
    expect(parts.map((p) => p.scripts.length)).toEqual([3, 2, 2]);
  });

  it('an open loop keeps every send time, so each shard sends its share of the arrivals', () => {
    const whole = trace();
    expect(whole.schedule.kind).toBe('open');
    const parts = shards(2).map((s) => shardWorkload(whole, s));
    expect(parts.map((p) => p.scripts.map((s) => s.turns[0].atMs))).toEqual([
      [0, 200, 400, 600, 800],
      [100, 300, 500, 700, 900],
    ]);
  });

  it('a clients schedule splits its clients and keeps each client its part of the request budget', () => {
    const whole: Workload = { ...multiturn(), schedule: { kind: 'clients', numClients: 5, maxActiveConversations: 2, sampling: 'round_robin', maxNumRequests: 10, requestRate: 3 } };
    const parts = shards(2).map((s) => shardWorkload(whole, s));
    expect(parts.map((p) => p.schedule)).toEqual([
      { kind: 'clients', numClients: 3, maxActiveConversations: 2, sampling: 'round_robin', maxNumRequests: 6, requestRate: 3 },
      { kind: 'clients', numClients: 2, maxActiveConversations: 2, sampling: 'round_robin', maxNumRequests: 4, requestRate: 3 },
    ]);
  });

  it("a turn queue splits its workers and a workload's own warm-up requests over the shards", () => {
    const base = multiturn();
    const whole: Workload = { ...base, schedule: { kind: 'queue', workers: 5 }, warmup: { requests: 20, concurrency: 3, turns: base.scripts[0].turns } };
    const parts = shards(2).map((s) => shardWorkload(whole, s));
    expect(parts.map((p) => p.schedule)).toEqual([
      { kind: 'queue', workers: 3 },
      { kind: 'queue', workers: 2 },
    ]);
    expect(parts.map((p) => [p.warmup!.requests, p.warmup!.concurrency])).toEqual([
      [10, 2],
      [10, 1],
    ]);
  });

  it('a shard with no conversation is an empty run; fewer users than shards is refused', () => {
    const small = getWorkload('multiturn').build({ numUsers: 2, numTurns: 1, seed: 1 });
    expect(() => shardWorkload(small, { index: 2, count: 3 })).not.toThrow();
    expect(shardWorkload(small, { index: 2, count: 3 }).scripts).toEqual([]);
    const concurrent: Workload = { ...small, schedule: { kind: 'closed', concurrency: 2 }, scripts: [...small.scripts, ...small.scripts.map((s) => ({ ...s, id: `${s.id}b` }))] };
    expect(() => shardWorkload(concurrent, { index: 2, count: 3 })).toThrow(/concurrency \(2\) is below the number of shards \(3\)/);
  });

  it('parses I/N with I from 0 and refuses 3/2, 2/2, 0/0 and junk with the reason', () => {
    expect(parseShard('1/4')).toEqual({ index: 1, count: 4 });
    expect(parseShard('3/2')).toMatch(/I must be a whole number from 0 to N−1 = 1, got 3/);
    expect(parseShard('2/2')).toMatch(/from 0 to N−1 = 1/);
    expect(parseShard('0/0')).toMatch(/N must be a whole number ≥ 1/);
    expect(parseShard('a/b')).toMatch(/expected I\/N/);
    expect(() => shardWorkload(multiturn(), { index: 3, count: 2 })).toThrow(KvlabError);
  });

  it('derives a different runner seed per shard, the same one every time, and the run seed for one shard', () => {
    const seeds = shards(4).map((s) => shardSeed(9, s));
    expect(new Set(seeds).size).toBe(4);
    expect(shards(4).map((s) => shardSeed(9, s))).toEqual(seeds);
    expect(shardSeed(9, { index: 0, count: 1 })).toBe(9);
  });
});
