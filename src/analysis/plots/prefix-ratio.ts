/**
 * Dynamo's KV-routing figure: TTFT and output throughput against the shared-prefix ratio, one line
 * per router mode. Input is experiment cells (params + summary); the x parameter and the series
 * parameter are configurable, so the same plot serves any one-dimensional sweep (a cell without the
 * series parameter joins series 'all'; cells whose x is not a number are left out). Any other
 * parameter that varies between the cells splits the lines further (`series, key=value`), so a third
 * matrix axis never folds two cells onto one line (unless `series: null` asks for one line). Pure.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Summary } from '../../core/records.ts';
import type { ParamValue } from '../stats/run-data.ts';
import { colorEncoding, HEIGHT, VL_SCHEMA } from './common.ts';

export interface SweepCell {
  params: Record<string, ParamValue>;
  summary: Summary;
}

export interface SweepOptions {
  /** Dotted parameter path on the x axis (numeric). */
  x?: string;
  /** Dotted parameter path that makes one line per value; null for a single line. */
  series?: string | null;
  /** Which TTFT statistic to draw. */
  ttftStat?: 'mean' | 'p50' | 'p90' | 'p99';
}

export const DEFAULT_SWEEP_X = 'workload.prefixRatio';
export const DEFAULT_SWEEP_SERIES = 'cluster.router.mode';

export function sweepPoints(cells: readonly SweepCell[], opts: SweepOptions = {}) {
  const x = opts.x ?? DEFAULT_SWEEP_X;
  const series = opts.series === undefined ? DEFAULT_SWEEP_SERIES : opts.series;
  const stat = opts.ttftStat ?? 'mean';
  const text = (v: ParamValue | undefined): string => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)); // an object value (a tier setup) by its JSON
  const keys = [...new Set(cells.flatMap((c) => Object.keys(c.params)))];
  const others = series === null ? [] : keys.filter((k) => k !== x && k !== series && new Set(cells.map((c) => text(c.params[k]))).size > 1);
  const seriesOf = (c: SweepCell): string => {
    const v = series === null ? undefined : c.params[series];
    const base = v === undefined || v === null ? 'all' : text(v);
    return others.length === 0 ? base : [base, ...others.map((k) => `${k.split('.').pop()}=${text(c.params[k])}`)].join(', ');
  };
  return cells
    .filter((c) => typeof c.params[x] === 'number' && Number.isFinite(c.params[x]))
    .map((c) => ({
      x: c.params[x] as number,
      series: seriesOf(c),
      ttft_ms: c.summary.ttftMs?.[stat] ?? null,
      output_tokens_per_s: c.summary.outputTokensPerS,
      requests_per_s: c.summary.requestsPerS,
      cache_hit_ratio: c.summary.cacheHitRatio ?? null,
    }))
    .sort((a, b) => a.x - b.x || a.series.localeCompare(b.series));
}

export function prefixRatioSpec(cells: readonly SweepCell[], opts: SweepOptions = {}): TopLevelSpec {
  const x = opts.x ?? DEFAULT_SWEEP_X;
  const seriesParam = (opts.series === undefined ? DEFAULT_SWEEP_SERIES : opts.series) ?? 'series';
  const stat = opts.ttftStat ?? 'mean';
  const values = sweepPoints(cells, opts);
  if (values.length === 0) throw new Error(`prefixRatioSpec: no cell has a numeric '${x}' parameter`);
  const color = colorEncoding('series', seriesParam, values.map((v) => v.series));
  const xEnc = { field: 'x', type: 'quantitative', title: x } as const;
  const tooltip = [
    { field: 'series', type: 'nominal', title: seriesParam },
    { field: 'x', type: 'quantitative', title: x },
    { field: 'ttft_ms', type: 'quantitative', title: `TTFT ${stat} (ms)`, format: '.1f' },
    { field: 'output_tokens_per_s', type: 'quantitative', title: 'output (tok/s)', format: '.1f' },
    { field: 'requests_per_s', type: 'quantitative', title: 'req/s', format: '.2f' },
    { field: 'cache_hit_ratio', type: 'quantitative', title: 'cache hit', format: '.1%' },
  ] as const;
  return {
    $schema: VL_SCHEMA,
    title: opts.series === null ? `TTFT and output throughput vs ${x}` : `TTFT and output throughput vs ${x}, by ${seriesParam}`,
    data: { values },
    hconcat: [
      {
        width: 360,
        height: HEIGHT,
        mark: { type: 'line', point: true, tooltip: true },
        encoding: {
          x: xEnc,
          y: { field: 'ttft_ms', type: 'quantitative', title: `TTFT ${stat} (ms)` },
          color,
          tooltip: [...tooltip],
        },
      },
      {
        width: 360,
        height: HEIGHT,
        mark: { type: 'line', point: true, tooltip: true },
        encoding: {
          x: xEnc,
          y: { field: 'output_tokens_per_s', type: 'quantitative', title: 'output throughput (tok/s)' },
          color,
          tooltip: [...tooltip],
        },
      },
    ],
  };
}
