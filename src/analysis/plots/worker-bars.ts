/**
 * Per worker: requests routed to it and the share of its prompt tokens served from the KV cache,
 * as grouped bars (one colour per series), from records that carry `worker` (and `cachedTokens` for
 * the share). This is where a KV-aware router shows its hit ratio and a load imbalance. Pure.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { RequestRecord } from '../../core/records.ts';
import { colorEncoding, colorScale, HEIGHT, requireSeries, VL_SCHEMA, type RecordSeries } from './common.ts';

export function hasWorkerData(records: readonly RequestRecord[]): boolean {
  return records.some((r) => r.worker !== null && r.worker !== undefined && r.worker !== '');
}

export interface WorkerRow {
  series: string;
  worker: string;
  requests: number;
  input_tokens: number;
  cached_tokens: number;
  cached_share: number | null;
}

export function workerRows(s: RecordSeries): WorkerRow[] {
  const rows = new Map<string, WorkerRow>();
  for (const r of s.records) {
    if (r.worker === null || r.worker === undefined || r.worker === '') continue;
    let row = rows.get(r.worker);
    if (!row) {
      row = { series: s.name, worker: r.worker, requests: 0, input_tokens: 0, cached_tokens: 0, cached_share: null };
      rows.set(r.worker, row);
    }
    row.requests++;
    if (r.ok && r.inputTokens && r.cachedTokens !== null && r.cachedTokens !== undefined) {
      row.input_tokens += r.inputTokens;
      row.cached_tokens += r.cachedTokens;
    }
  }
  for (const row of rows.values()) row.cached_share = row.input_tokens > 0 ? row.cached_tokens / row.input_tokens : null;
  const collator = new Intl.Collator('en', { numeric: true });
  return [...rows.values()].sort((a, b) => collator.compare(a.worker, b.worker));
}

export function workerBarsSpec(series: readonly RecordSeries[]): TopLevelSpec {
  requireSeries(series, 'workerBarsSpec');
  const values = series.flatMap(workerRows);
  if (values.length === 0) throw new Error('workerBarsSpec: no record carries a worker');
  const color = colorEncoding('series', 'run', series.map((s) => s.name));
  const x = { field: 'worker', type: 'nominal', title: 'worker', sort: null, axis: { labelAngle: 0 } } as const;
  const xOffset = { field: 'series', type: 'nominal', scale: { domain: colorScale(series.map((s) => s.name)).domain } } as const;
  const tooltip = [
    { field: 'series', type: 'nominal', title: 'run' },
    { field: 'worker', type: 'nominal', title: 'worker' },
    { field: 'requests', type: 'quantitative', title: 'requests' },
    { field: 'cached_share', type: 'quantitative', title: 'cached share', format: '.1%' },
    { field: 'cached_tokens', type: 'quantitative', title: 'cached tokens' },
    { field: 'input_tokens', type: 'quantitative', title: 'input tokens' },
  ] as const;
  const width = Math.max(200, Math.min(480, 40 * values.length));
  return {
    $schema: VL_SCHEMA,
    title: 'Requests and cached-token share per worker',
    data: { values },
    hconcat: [
      {
        width,
        height: HEIGHT,
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x,
          xOffset,
          y: { field: 'requests', type: 'quantitative', title: 'requests' },
          color,
          tooltip: [...tooltip],
        },
      },
      {
        width,
        height: HEIGHT,
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x,
          xOffset,
          y: { field: 'cached_share', type: 'quantitative', title: 'cached share of prompt tokens', axis: { format: '%' }, scale: { domain: [0, 1] } },
          color,
          tooltip: [...tooltip],
        },
      },
    ],
  };
}
