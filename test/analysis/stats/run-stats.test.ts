import { describe, expect, it } from 'vitest';
import { goodput, meetsSlos, parseSlos } from '../../../src/core/goodput.ts';
import { byDocType, byLabel, byWorker, firstVsLater, NO_GROUP } from '../../../src/analysis/stats/groupings.ts';
import { summarizeRun } from '../../../src/analysis/stats/run-stats.ts';
import { rec } from '../fixtures.ts';

// Two conversations of two turns plus one failed first turn. Values chosen for hand computation.
const records = [
  rec({ conversationId: 'a', turn: 1, sentAtMs: 0, ttftMs: 100, e2eMs: 1000, tpotMs: 10, inputTokens: 100, cachedTokens: 0, worker: 'w0', label: 'x', tags: { docType: 'CODE' } }),
  rec({ conversationId: 'b', turn: 1, sentAtMs: 500, ttftMs: 300, e2eMs: 1200, tpotMs: 60, inputTokens: 100, cachedTokens: 0, worker: 'w1', label: 'y', tags: { docType: 'TEXT' } }),
  rec({ conversationId: 'a', turn: 2, sentAtMs: 2000, ttftMs: 20, e2eMs: 500, tpotMs: null, inputTokens: 200, cachedTokens: 150, worker: 'w0', label: 'x', tags: { docType: 'CODE' } }),
  rec({ conversationId: 'b', turn: 2, sentAtMs: 3000, ttftMs: 40, e2eMs: 1000, tpotMs: 30, inputTokens: 200, cachedTokens: 100, worker: 'w1', label: 'y' }),
  rec({ conversationId: 'c', turn: 1, sentAtMs: 100, ttftMs: null, e2eMs: null, tpotMs: null, inputTokens: null, outputTokens: null, cachedTokens: null, ok: false, error: 'HTTP 503', status: 503 }),
];

describe('run statistics', () => {
  const stats = summarizeRun(records, 4);

  it('computes interpolated percentiles of TTFT over successful requests', () => {
    // sorted TTFT: 20, 40, 100, 300
    expect(stats.summary.ttftMs.count).toBe(4);
    expect(stats.summary.ttftMs.mean).toBeCloseTo(115, 10);
    expect(stats.summary.ttftMs.p50).toBeCloseTo(70, 10); // rank 1.5 → 40 + 0.5·60
    expect(stats.summary.ttftMs.p90).toBeCloseTo(240, 10); // rank 2.7 → 100 + 0.7·200
    expect(stats.summary.ttftMs.p25).toBeCloseTo(35, 10); // rank 0.75 → 20 + 0.75·20
  });

  it('counts failures and derives throughput from the given duration', () => {
    expect(stats.summary.requests).toBe(5);
    expect(stats.summary.failed).toBe(1);
    expect(stats.summary.requestsPerS).toBeCloseTo(1, 10); // 4 succeeded / 4 s
    expect(stats.summary.cacheHitRatio).toBeCloseTo(250 / 600, 10);
    expect(stats.summary.errors).toEqual({ http_503: 1 });
  });

  it('builds the per-turn table', () => {
    expect(stats.perTurn.map((t) => t.turn)).toEqual([1, 2]);
    const [t1, t2] = stats.perTurn;
    expect(t1.count).toBe(3);
    expect(t1.failed).toBe(1);
    expect(t1.ttftMs.mean).toBeCloseTo(200, 10);
    expect(t2.ttftMs.p50).toBeCloseTo(30, 10);
    expect(t2.cachedTokens).toBe(250);
  });

  it('reports the first-vs-later TTFT speedup', () => {
    expect(stats.firstVsLaterSpeedup).toBeCloseTo(200 / 30, 10);
    const fl = firstVsLater(records, 4);
    expect(fl.first.requests).toBe(3);
    expect(fl.later.requests).toBe(2);
    expect(fl.later.ttftMs.mean).toBeCloseTo(30, 10);
  });
});

describe('groupings', () => {
  it('groups by worker with the unrouted request in the "-" group last', () => {
    const g = byWorker(records, 4);
    expect(g.map((x) => x.key)).toEqual(['w0', 'w1', NO_GROUP]);
    expect(g[0].summary.ttftMs.mean).toBeCloseTo(60, 10);
    expect(g[1].summary.requests).toBe(2);
    expect(g[2].summary.failed).toBe(1);
  });

  it('groups by label and by document type tag', () => {
    expect(byLabel(records).map((x) => [x.key, x.summary.requests])).toEqual([
      ['x', 2],
      ['y', 2],
      [NO_GROUP, 1],
    ]);
    const docs = byDocType(records, 4);
    expect(docs.map((x) => [x.key, x.summary.requests])).toEqual([
      ['CODE', 2],
      ['TEXT', 1],
      [NO_GROUP, 2],
    ]);
    expect(docs[0].summary.ttftMs.mean).toBeCloseTo(60, 10);
  });

  it('leaves the ITL gaps out of group summaries (no group table shows them)', () => {
    const withGaps = records.map((r, i) => ({ ...r, itlMs: [i + 1, i + 2] }));
    expect(summarizeRun(withGaps, 4).summary.itlMs.count).toBeGreaterThan(0);
    for (const g of [...byWorker(withGaps, 4), ...byLabel(withGaps, 4), firstVsLater(withGaps, 4).later]) {
      const s = 'summary' in g ? g.summary : g;
      expect(s.itlMs.count).toBe(0);
    }
  });
});

describe('goodput', () => {
  const slos = { ttft_ms: 150, tpot_ms: 50 };

  it('counts requests meeting every SLO; a null TPOT meets the TPOT SLO, a failure never does', () => {
    expect(records.map((r) => meetsSlos(r, slos))).toEqual([true, false, true, true, false]);
    const g = goodput(records, slos, 4);
    expect(g.met).toBe(3);
    expect(g.share).toBeCloseTo(3 / 5, 10);
    expect(g.ratePerS).toBeCloseTo(0.75, 10);
  });

  it('treats a value equal to the limit as met and a missing TTFT as missed', () => {
    expect(meetsSlos(rec({ ttftMs: 150 }), { ttft_ms: 150 })).toBe(true);
    expect(meetsSlos(rec({ ttftMs: null }), { ttft_ms: 150 })).toBe(false);
    expect(meetsSlos(rec({ e2eMs: 1001 }), { e2e_ms: 1000 })).toBe(false);
  });

  it('parses SLO lists and rejects unknown metrics with a clear message', () => {
    expect(parseSlos('ttft_ms:500,tpot_ms:50')).toEqual({ ttft_ms: 500, tpot_ms: 50 });
    expect(parseSlos('e2e_ms:2000 ttfat_ms:1.5')).toEqual({ e2e_ms: 2000, ttfat_ms: 1.5 });
    expect(() => parseSlos('ttft:500')).toThrow(/unknown goodput metric 'ttft'/);
    expect(() => parseSlos('ttft_ms=500')).toThrow(/metric:limit_ms/);
    expect(() => parseSlos('')).toThrow(/empty/);
  });
});
