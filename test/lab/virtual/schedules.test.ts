import { describe, expect, it } from 'vitest';
import { buildMultiturn } from '../../../src/client/workloads/index.ts';
import type { RequestRecord } from '../../../src/core/records.ts';
import { runVirtual } from '../../../src/lab/virtual/index.ts';
import { cluster, endOf, script, turn, workload } from './helpers.ts';

function byConversation(records: RequestRecord[]): Map<string, RequestRecord[]> {
  const out = new Map<string, RequestRecord[]>();
  for (const r of records) out.set(r.conversationId, [...(out.get(r.conversationId) ?? []), r]);
  for (const list of out.values()) list.sort((a, b) => a.turn - b.turn);
  return out;
}

/** Largest number of intervals [start, end) open at the same time. */
function maxOverlap(intervals: [number, number][]): number {
  const points = intervals.flatMap(([s, e]) => [[s, 1], [e, -1]] as [number, number][]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let max = 0;
  for (const [, d] of points) max = Math.max(max, (open += d));
  return max;
}

describe('closed schedule', () => {
  it('waits exactly each think time after the previous turn completes', () => {
    const w = buildMultiturn({ numUsers: 3, numTurns: 4, numUserTokens: 80, maxCompletionTokens: 30, meanDelayMs: 300, seed: 8 });
    const res = runVirtual({ workload: w, cluster: cluster({ numWorkers: 2 }), seed: 1 });
    const convs = byConversation(res.records);
    let checked = 0;
    w.scripts.forEach((s) => {
      const recs = convs.get(s.id)!;
      expect(recs).toHaveLength(4);
      for (let k = 1; k < recs.length; k++) {
        expect(recs[k].sentAtMs - endOf(recs[k - 1])).toBeCloseTo(s.turns[k].delayMs, 6);
        checked++;
      }
    });
    expect(checked).toBe(9);
    expect(res.durationMs).toBeCloseTo(Math.max(...res.records.map(endOf)), 9);
  });

  it('keeps at most `concurrency` conversations in flight and starts the next when one ends', () => {
    const scripts = Array.from({ length: 5 }, (_, i) => script(`c${i}`, [turn(60, `c${i}a`), turn(60, `c${i}b`)]));
    const res = runVirtual({ workload: workload(scripts, { kind: 'closed', concurrency: 2 }), cluster: cluster(), seed: 0 });
    const convs = byConversation(res.records);
    const spans = [...convs.values()].map((recs) => [recs[0].sentAtMs, endOf(recs[recs.length - 1])] as [number, number]);
    expect(spans).toHaveLength(5);
    expect(maxOverlap(spans)).toBe(2);
    const ends = spans.map((s) => s[1]);
    expect(ends).toContain(convs.get('c2')![0].sentAtMs);
  });

  it('counts turn 1 think time from when the conversation gets its slot', () => {
    const res = runVirtual({ workload: workload([script('late', [turn(40, 'x', { delayMs: 250 })])]), cluster: cluster(), seed: 0 });
    expect(res.records[0].sentAtMs).toBe(250);
  });
});

describe('queue schedule (llm-d)', () => {
  it('interleaves conversations one turn at a time, pausing before every turn from when a worker takes it', () => {
    const scripts = Array.from({ length: 3 }, (_, i) => script(`q${i}`, [turn(60, `q${i}a`, { delayMs: 50 }), turn(60, `q${i}b`, { delayMs: 50 })]));
    const res = runVirtual({ workload: workload(scripts, { kind: 'queue', workers: 2 }), cluster: cluster(), seed: 0 });
    const convs = byConversation(res.records);
    const [q0, q1, q2] = ['q0', 'q1', 'q2'].map((id) => convs.get(id)!);
    expect(q0[0].sentAtMs).toBe(50);
    expect(q1[0].sentAtMs).toBe(50);
    // q2 waits in the queue for the first free worker; q0 and q1 go back behind it.
    const firstFree = Math.min(endOf(q0[0]), endOf(q1[0]));
    expect(q2[0].sentAtMs).toBeCloseTo(firstFree + 50, 9);
    expect(Math.max(...[q0, q1, q2].map((c) => c[0].sentAtMs))).toBeLessThanOrEqual(Math.min(...[q0, q1, q2].map((c) => c[1].sentAtMs)));
    const spans = res.records.map((r) => [r.sentAtMs, endOf(r)] as [number, number]);
    expect(maxOverlap(spans)).toBe(2);
  });
});

describe('open schedule', () => {
  it('sends each single-turn script at its atMs whatever is in flight', () => {
    const scripts = [0, 1, 2, 3].map((i) => script(`o${i}`, [turn(2000, `o${i}`, { atMs: i * 5, maxTokens: 50 })], { keepHistory: false }));
    const res = runVirtual({ workload: workload(scripts, { kind: 'open' }), cluster: cluster(), seed: 0 });
    const sent = new Map(res.records.map((r) => [r.conversationId, r.sentAtMs]));
    expect([0, 1, 2, 3].map((i) => sent.get(`o${i}`))).toEqual([0, 5, 10, 15]);
    // They overlapped: the engine was busy when the later ones arrived.
    expect(Math.min(...res.records.map(endOf))).toBeGreaterThan(15);
  });

  it('sends a later turn at max(its atMs, the previous completion)', () => {
    const s = script('m', [turn(100, 'a', { atMs: 0 }), turn(100, 'b', { atMs: 1 }), turn(100, 'c', { atMs: 100_000 })]);
    const [t1, t2, t3] = runVirtual({ workload: workload([s], { kind: 'open' }), cluster: cluster(), seed: 0 }).records;
    expect(t2.sentAtMs).toBeCloseTo(endOf(t1), 9);
    expect(t3.sentAtMs).toBe(100_000);
  });
});

describe('clients schedule', () => {
  const convs = (n: number, turns: number) => Array.from({ length: n }, (_, i) => script(`k${i}`, Array.from({ length: turns }, (_, k) => turn(30, `k${i}-${k}`, { maxTokens: 5, delayMs: 9999 }))));

  it('round-robins over active conversations with one request in flight per client, ignoring think times', () => {
    const w = workload(convs(2, 2), { kind: 'clients', numClients: 1, maxActiveConversations: 2, sampling: 'round_robin' });
    const recs = runVirtual({ workload: w, cluster: cluster(), seed: 0 }).records;
    expect(recs.map((r) => `${r.conversationId}/${r.turn}`)).toEqual(['k0/1', 'k1/1', 'k0/2', 'k1/2']);
    for (let i = 1; i < recs.length; i++) expect(recs[i].sentAtMs).toBeCloseTo(endOf(recs[i - 1]), 9);
  });

  it('splits maxNumRequests over clients; a client at its limit finishes its active conversations', () => {
    const w = workload(convs(4, 3), { kind: 'clients', numClients: 2, maxActiveConversations: 1, sampling: 'round_robin', maxNumRequests: 2 });
    const recs = runVirtual({ workload: w, cluster: cluster(), seed: 0 }).records;
    expect(new Set(recs.map((r) => r.conversationId))).toEqual(new Set(['k0', 'k1']));
    expect(recs).toHaveLength(6);
  });

  it('stops every client once one reaches its limit with earlyStop', () => {
    const w = workload(convs(4, 3), { kind: 'clients', numClients: 2, maxActiveConversations: 1, sampling: 'round_robin', maxNumRequests: 2, earlyStop: true });
    const recs = runVirtual({ workload: w, cluster: cluster(), seed: 0 }).records;
    expect(recs.map((r) => r.turn)).toEqual([1, 1]);
  });

  it('runs turn 1 of every conversation as an unmeasured warmup and starts the clock after it', () => {
    const w = workload(convs(3, 2), { kind: 'clients', numClients: 2, maxActiveConversations: 2, sampling: 'round_robin', warmupStep: true });
    const res = runVirtual({ workload: w, cluster: cluster(), seed: 0 });
    expect(res.records.map((r) => r.turn)).toEqual([2, 2, 2]);
    expect(Math.min(...res.records.map((r) => r.sentAtMs))).toBe(0);
    expect(res.stats.warmupRequests).toBe(3);
    expect(res.durationMs).toBeCloseTo(Math.max(...res.records.map(endOf)), 9);
  });

  it('paces sends with a seeded Poisson process at requestRate', () => {
    const w = workload(convs(1, 200), { kind: 'clients', numClients: 1, maxActiveConversations: 1, sampling: 'round_robin', requestRate: 20 });
    const c = cluster({ engine: { speedupRatio: 1000 } });
    const recs = runVirtual({ workload: w, cluster: c, seed: 3 }).records;
    expect(recs).toHaveLength(200);
    const gaps = recs.slice(1).map((r, i) => r.sentAtMs - recs[i].sentAtMs);
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    expect(mean).toBeGreaterThan(40);
    expect(mean).toBeLessThan(62);
    for (let i = 1; i < recs.length; i++) expect(recs[i].sentAtMs).toBeGreaterThanOrEqual(endOf(recs[i - 1]) - 1e-9);
    expect(runVirtual({ workload: w, cluster: c, seed: 3 }).records).toEqual(recs);
  });

  it('samples active conversations at random (seeded) and still finishes every turn in order', () => {
    const w = workload(convs(4, 3), { kind: 'clients', numClients: 2, maxActiveConversations: 2, sampling: 'random' });
    const a = runVirtual({ workload: w, cluster: cluster(), seed: 5 }).records;
    expect(a).toHaveLength(12);
    for (const recs of byConversation(a).values()) expect(recs.map((r) => r.turn)).toEqual([1, 2, 3]);
    const order = (seed: number) => runVirtual({ workload: w, cluster: cluster(), seed }).records.map((r) => `${r.conversationId}/${r.turn}`);
    expect(order(5)).toEqual(a.map((r) => `${r.conversationId}/${r.turn}`));
    expect(new Set([5, 6, 7, 8].map((s) => order(s).join(','))).size).toBeGreaterThan(1);
  });

  it('rejects a schedule with fewer conversations than clients', () => {
    const w = workload(convs(1, 1), { kind: 'clients', numClients: 2, maxActiveConversations: 1, sampling: 'round_robin' });
    expect(() => runVirtual({ workload: w, cluster: cluster(), seed: 0 })).toThrow(/cannot feed 2 clients/);
  });
});
