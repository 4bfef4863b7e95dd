import { describe, expect, it } from 'vitest';
import { latencyOverTimeSpec, MAX_PANEL_POINTS, MAX_TIME_POINTS, MIN_SERIES_POINTS, seriesPointBudget, thinOverTime } from '../../src/analysis/plots/latency-over-time.ts';
import type { RequestRecord } from '../../src/core/records.ts';

const rec = (i: number, ttft: number): RequestRecord => ({ conversationId: `c${i}`, turn: 1, sentAtMs: i, ttftMs: ttft, e2eMs: ttft + 1, ok: true }) as unknown as RequestRecord;

describe('latency over time on long runs', () => {
  it('draws every request of a run up to the limit', () => {
    const dots = Array.from({ length: 30 }, (_, i) => ({ r: rec(i, i), v: i }));
    expect(thinOverTime(dots, 30)).toHaveLength(30);
  });

  it('thins a longer run to each time bin\'s lowest, median and highest request, never dropping an outlier', () => {
    // 1000 requests, one spike of 9999 ms at send time 500.
    const dots = Array.from({ length: 1000 }, (_, i) => ({ r: rec(i, i === 500 ? 9999 : 10 + (i % 7)), v: i === 500 ? 9999 : 10 + (i % 7) }));
    const kept = thinOverTime(dots, 30);
    expect(kept.length).toBeLessThanOrEqual(30);
    expect(kept.some((d) => d.v === 9999)).toBe(true);
    expect(Math.min(...kept.map((d) => d.v))).toBe(10);
    const spec = latencyOverTimeSpec([{ name: 'a', records: dots.map((d) => d.r) }], 30) as { title: string; data: { values: unknown[] } };
    expect(spec.data.values.length).toBeLessThanOrEqual(60);
    expect(spec.title).toMatch(/of 2000 dots: each time bin's lowest, median and highest request/);
  });
});

describe('latency over time with many series', () => {
  it('gives each series its share of the panel, never below the floor nor above the per-series limit', () => {
    expect(seriesPointBudget(1)).toBe(MAX_TIME_POINTS);
    expect(seriesPointBudget(2)).toBe(MAX_TIME_POINTS);
    expect(seriesPointBudget(10)).toBe(MAX_PANEL_POINTS / 10);
    expect(seriesPointBudget(100)).toBe(MIN_SERIES_POINTS);
    expect(seriesPointBudget(10, 30)).toBe(30);
  });

  it('draws at most the panel budget per metric for ten long series, keeping every series and each one\'s outlier', () => {
    const series = Array.from({ length: 10 }, (_, s) => ({
      name: `cell-${s}`,
      records: Array.from({ length: 2000 }, (_, i) => rec(i, i === 777 ? 5000 + s : 10 + (i % 5))),
    }));
    const spec = latencyOverTimeSpec(series) as { data: { values: { series: string; metric: string; value_ms: number }[] } };
    const ttft = spec.data.values.filter((v) => v.metric === 'ttft_ms');
    expect(ttft.length).toBeLessThanOrEqual(MAX_PANEL_POINTS);
    for (let s = 0; s < 10; s++) expect(ttft.some((v) => v.series === `cell-${s}` && v.value_ms === 5000 + s)).toBe(true);
  });
});
