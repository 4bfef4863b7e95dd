import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/core/records.ts';
import { dist, errorKey, percentileSorted, summarize } from '../../src/core/summary.ts';

const rec = (over: Partial<RequestRecord>): RequestRecord => ({
  conversationId: 'c', turn: 1, sentAtMs: 0, ttftMs: 10, e2eMs: 20, tpotMs: 1, inputTokens: 100, outputTokens: 10,
  cachedTokens: 50, worker: null, ok: true, error: null, status: 200, ...over,
});

describe('error keys and cache hit ratio', () => {
  it('groups HTTP failures by status and in-stream failures (2xx) by message', () => {
    expect(errorKey(rec({ ok: false, status: 503, error: 'down' }))).toBe('http_503');
    expect(errorKey(rec({ ok: false, status: 200, error: 'upstream_unavailable: worker gone' }))).toBe('upstream_unavailable');
    expect(errorKey(rec({ ok: false, status: null, error: 'ECONNREFUSED: refused' }))).toBe('ECONNREFUSED');
  });

  it('reports cached tokens over the prompt tokens of requests that report both', () => {
    const s = summarize([rec({}), rec({ cachedTokens: 0, inputTokens: 300 }), rec({ cachedTokens: null, inputTokens: 1000 })], 1);
    expect(s.cacheHitRatio).toBeCloseTo(50 / 400);
  });
});

describe('percentiles', () => {
  it("interpolate linearly between closest ranks, as numpy's default (np.percentile) does", () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    // numpy: np.percentile(range(1, 11), [25, 50, 90, 95, 99]) = [3.25, 5.5, 9.1, 9.55, 9.91]
    expect(percentileSorted(xs, 25)).toBe(3.25);
    expect(percentileSorted(xs, 50)).toBe(5.5);
    expect(percentileSorted(xs, 90)).toBeCloseTo(9.1, 12);
    expect(percentileSorted(xs, 95)).toBeCloseTo(9.55, 12);
    expect(percentileSorted(xs, 99)).toBeCloseTo(9.91, 12);
    // np.percentile([1, 2, 3, 4, 5], 30) = 2.2; np.percentile([1, 5], 99) = 4.96
    expect(percentileSorted([1, 2, 3, 4, 5], 30)).toBeCloseTo(2.2, 12);
    expect(percentileSorted([1, 5], 99)).toBeCloseTo(4.96, 12);
  });

  it('clamp p to 0..100, return the only value of one sample and null for none', () => {
    expect(percentileSorted([2, 4], -5)).toBe(2);
    expect(percentileSorted([2, 4], 150)).toBe(4);
    expect(percentileSorted([7], 95)).toBe(7);
    expect(percentileSorted([], 50)).toBeNull();
  });

  it('dist sorts and drops non-finite values before taking order statistics', () => {
    const d = dist([10, Number.NaN, 1, 4, Number.POSITIVE_INFINITY, 7]);
    expect(d).toMatchObject({ count: 4, min: 1, max: 10, p50: 5.5, p25: 3.25 });
  });
});

describe('summaries without ITL', () => {
  it('leave the ITL gaps out (empty itlMs) and every other figure as the full summary has it', () => {
    const records = [rec({ itlMs: [1, 2, 3] }), rec({ ttftMs: 30, itlMs: [4, 5] }), rec({ ok: false, status: 503, error: 'down', itlMs: [9] })];
    const full = summarize(records, 2);
    const lean = summarize(records, 2, { itl: false });
    expect(full.itlMs.count).toBe(5);
    expect(lean.itlMs).toEqual(dist([]));
    expect({ ...lean, itlMs: full.itlMs }).toEqual(full);
  });
});
