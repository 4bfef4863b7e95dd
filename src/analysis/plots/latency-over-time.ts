/**
 * TTFT and E2E over the run: one dot per successful request at its send time (ms since the run's
 * start), one panel per metric with its own y scale, one colour per series. Failed requests and
 * missing values are left out. Every request is drawn (no sampling), so the spec grows with the run.
 * Pure.
 */
import type { TopLevelSpec } from 'vega-lite';
import { colorEncoding, requireSeries, VL_SCHEMA, WIDTH, type RecordSeries } from './common.ts';

export function latencyOverTimeSpec(series: readonly RecordSeries[]): TopLevelSpec {
  requireSeries(series, 'latencyOverTimeSpec');
  const values: Array<Record<string, string | number>> = [];
  for (const s of series) {
    for (const r of s.records) {
      if (!r.ok) continue;
      const base = { series: s.name, sent_at_ms: r.sentAtMs, turn: r.turn, conversation: r.conversationId };
      if (r.ttftMs !== null && Number.isFinite(r.ttftMs)) values.push({ ...base, metric: 'ttft_ms', value_ms: r.ttftMs });
      if (r.e2eMs !== null && Number.isFinite(r.e2eMs)) values.push({ ...base, metric: 'e2e_ms', value_ms: r.e2eMs });
    }
  }
  return {
    $schema: VL_SCHEMA,
    title: 'TTFT and E2E latency over time (one dot per request)',
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
