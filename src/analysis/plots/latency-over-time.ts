/**
 * TTFT and E2E over the run: one dot per successful request at its send time (ms since the run's
 * start), one panel per metric with its own y scale, one colour per series. Failed requests and
 * missing values are left out. A run of at most `maxPoints` requests per series and metric (fewer when
 * many series share the panel: `seriesPointBudget`) is drawn whole; a longer one is thinned so the
 * report stays small and fast however long the run and however many series: its send
 * times are cut into (its budget) / 3 equal bins and each bin keeps its lowest, median and highest
 * request (outliers are never dropped; the title says how many dots stand for how many requests).
 * Pure.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { RequestRecord } from '../../core/records.ts';
import { colorEncoding, requireSeries, VL_SCHEMA, WIDTH, type RecordSeries } from './common.ts';

/**
 * Dots per series and metric before thinning: 500 time bins of 3 dots, about one bin per pixel of the
 * 520-px panel. (It was 3000: 2 × 4 series × 3000 dots made an 8 MB SVG whose drawing took most of a
 * long run's report time, for bins narrower than a pixel.)
 */
export const MAX_TIME_POINTS = 1500;

/**
 * About this many dots per metric panel over all series: with many series (an experiment's report
 * overlays every cell) each gets an even share, but never fewer than MIN_SERIES_POINTS (so more than
 * 20 series draw more). Ten cells of 2,000 requests drew 30,000 dots, an 11.7 MB SVG that took most
 * of the report's time and that a browser pans slowly; a panel cannot show more than a few thousand
 * dots apart.
 */
export const MAX_PANEL_POINTS = 3000;
/** The fewest dots a series is thinned to (≈ 50 time bins). */
export const MIN_SERIES_POINTS = 150;

/** Dots per series and metric for `seriesCount` series, at most `maxPoints` each. */
export function seriesPointBudget(seriesCount: number, maxPoints = MAX_TIME_POINTS): number {
  return Math.min(maxPoints, Math.max(MIN_SERIES_POINTS, Math.floor(MAX_PANEL_POINTS / Math.max(1, seriesCount))));
}

interface Dot {
  r: RequestRecord;
  v: number;
}

/** The dots drawn for one series and metric: all of them, or each time bin's min, median and max. */
export function thinOverTime(dots: readonly Dot[], maxPoints = MAX_TIME_POINTS): Dot[] {
  if (dots.length <= maxPoints) return [...dots];
  const bins = Math.max(1, Math.floor(maxPoints / 3));
  let lo = Infinity;
  let hi = -Infinity;
  for (const d of dots) {
    lo = Math.min(lo, d.r.sentAtMs);
    hi = Math.max(hi, d.r.sentAtMs);
  }
  const width = hi > lo ? (hi - lo) / bins : 1;
  const byBin: Dot[][] = Array.from({ length: bins }, () => []);
  for (const d of dots) byBin[Math.min(bins - 1, Math.floor((d.r.sentAtMs - lo) / width))].push(d);
  const kept: Dot[] = [];
  for (const bin of byBin) {
    if (bin.length === 0) continue;
    bin.sort((a, b) => a.v - b.v || a.r.sentAtMs - b.r.sentAtMs);
    for (const i of new Set([0, (bin.length - 1) >> 1, bin.length - 1])) kept.push(bin[i]);
  }
  return kept.sort((a, b) => a.r.sentAtMs - b.r.sentAtMs);
}

export function latencyOverTimeSpec(series: readonly RecordSeries[], maxPoints = MAX_TIME_POINTS): TopLevelSpec {
  requireSeries(series, 'latencyOverTimeSpec');
  const perSeries = seriesPointBudget(series.length, maxPoints);
  const values: Array<Record<string, string | number>> = [];
  let total = 0;
  for (const s of series) {
    for (const metric of ['ttft_ms', 'e2e_ms'] as const) {
      const dots: Dot[] = [];
      for (const r of s.records) {
        const v = metric === 'ttft_ms' ? r.ttftMs : r.e2eMs;
        if (r.ok && v !== null && Number.isFinite(v)) dots.push({ r, v });
      }
      total += dots.length;
      for (const { r, v } of thinOverTime(dots, perSeries)) values.push({ series: s.name, sent_at_ms: r.sentAtMs, turn: r.turn, conversation: r.conversationId, metric, value_ms: v });
    }
  }
  const thinned = values.length < total;
  return {
    $schema: VL_SCHEMA,
    title: thinned
      ? `TTFT and E2E latency over time (${values.length} of ${total} dots: each time bin's lowest, median and highest request)`
      : 'TTFT and E2E latency over time (one dot per request)',
    data: { values },
    facet: { row: { field: 'metric', type: 'nominal', title: null, sort: ['ttft_ms', 'e2e_ms'] } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: WIDTH,
      height: 200,
      mark: { type: 'point', filled: true, size: 18, opacity: 0.6, tooltip: true },
      encoding: {
        x: { field: 'sent_at_ms', type: 'quantitative', title: 'sent at (ms since run start)' },
        y: { field: 'value_ms', type: 'quantitative', title: 'latency (ms)' },
        color: colorEncoding('series', 'run', series.map((s) => s.name)),
        tooltip: [
          { field: 'series', type: 'nominal', title: 'run' },
          { field: 'metric', type: 'nominal', title: 'metric' },
          { field: 'value_ms', type: 'quantitative', title: 'latency (ms)', format: '.1f' },
          { field: 'sent_at_ms', type: 'quantitative', title: 'sent at (ms)', format: '.0f' },
          { field: 'conversation', type: 'nominal', title: 'conversation' },
          { field: 'turn', type: 'quantitative', title: 'turn' },
        ],
      },
    },
  };
}
