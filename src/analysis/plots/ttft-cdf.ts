/**
 * TTFT CDF per run: the empirical distribution of successful requests' TTFT as a step line, one
 * colour per series. Long runs are thinned to at most `maxPoints` exact CDF points per series (evenly
 * spaced ranks, the minimum and maximum always kept), which keeps the report small. Pure.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { RequestRecord } from '../../core/records.ts';
import { colorEncoding, HEIGHT, requireSeries, VL_SCHEMA, WIDTH, type RecordSeries } from './common.ts';

export interface CdfPoint {
  ttft_ms: number;
  fraction: number;
}

export function ttftCdfPoints(records: readonly RequestRecord[], maxPoints = 1000): CdfPoint[] {
  const xs = records
    .filter((r) => r.ok && r.ttftMs !== null && Number.isFinite(r.ttftMs))
    .map((r) => r.ttftMs as number)
    .sort((a, b) => a - b);
  const n = xs.length;
  if (n === 0) return [];
  const keep = Math.max(2, maxPoints);
  const indices =
    n <= keep ? xs.map((_, i) => i) : [...new Set(Array.from({ length: keep }, (_, k) => Math.round((k * (n - 1)) / (keep - 1))))];
  return indices.map((i) => ({ ttft_ms: xs[i], fraction: (i + 1) / n }));
}

export function ttftCdfSpec(series: readonly RecordSeries[], maxPoints = 1000): TopLevelSpec {
  requireSeries(series, 'ttftCdfSpec');
  const values = series.flatMap((s) => ttftCdfPoints(s.records, maxPoints).map((p) => ({ series: s.name, ...p })));
  return {
    $schema: VL_SCHEMA,
    title: 'TTFT CDF',
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after', tooltip: true },
    encoding: {
      x: { field: 'ttft_ms', type: 'quantitative', title: 'TTFT (ms)' },
      y: { field: 'fraction', type: 'quantitative', title: 'share of requests', axis: { format: '%' }, scale: { domain: [0, 1] } },
      color: colorEncoding('series', 'run', series.map((s) => s.name)),
      tooltip: [
        { field: 'series', type: 'nominal', title: 'run' },
        { field: 'ttft_ms', type: 'quantitative', title: 'TTFT (ms)', format: '.1f' },
        { field: 'fraction', type: 'quantitative', title: 'share ≤ TTFT', format: '.1%' },
      ],
    },
  };
}
