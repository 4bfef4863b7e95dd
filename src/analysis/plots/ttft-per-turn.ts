/**
 * TTFT per turn: the p50 as a line with points, the p25–p75 range as a band, one colour per series
 * (a run, an experiment cell or a label). Turns without a successful request are left out. Pure.
 */
import type { TopLevelSpec } from 'vega-lite';
import { colorEncoding, HEIGHT, requireSeries, VL_SCHEMA, WIDTH, type TurnSeries } from './common.ts';

export function ttftPerTurnSpec(series: readonly TurnSeries[], title = 'TTFT per turn (p50, band p25–p75)'): TopLevelSpec {
  requireSeries(series, 'ttftPerTurnSpec');
  const values = series.flatMap((s) =>
    s.perTurn
      .filter((t) => t.ttftMs.p50 !== null)
      .map((t) => ({
        series: s.name,
        turn: t.turn,
        count: t.count,
        ttft_mean_ms: t.ttftMs.mean,
        ttft_p25_ms: t.ttftMs.p25,
        ttft_p50_ms: t.ttftMs.p50,
        ttft_p75_ms: t.ttftMs.p75,
      })),
  );
  const color = colorEncoding('series', 'run', series.map((s) => s.name));
  return {
    $schema: VL_SCHEMA,
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    encoding: {
      x: { field: 'turn', type: 'quantitative', title: 'turn', axis: { tickMinStep: 1, format: 'd' } },
      color,
    },
    layer: [
      {
        mark: { type: 'area', opacity: 0.18 },
        encoding: {
          y: { field: 'ttft_p25_ms', type: 'quantitative', title: 'TTFT (ms)' },
          y2: { field: 'ttft_p75_ms' },
        },
      },
      {
        mark: { type: 'line', point: true, tooltip: true },
        encoding: {
          y: { field: 'ttft_p50_ms', type: 'quantitative', title: 'TTFT (ms)' },
          tooltip: [
            { field: 'series', type: 'nominal', title: 'run' },
            { field: 'turn', type: 'quantitative', title: 'turn' },
            { field: 'count', type: 'quantitative', title: 'requests' },
            { field: 'ttft_p25_ms', type: 'quantitative', title: 'p25 (ms)', format: '.1f' },
            { field: 'ttft_p50_ms', type: 'quantitative', title: 'p50 (ms)', format: '.1f' },
            { field: 'ttft_p75_ms', type: 'quantitative', title: 'p75 (ms)', format: '.1f' },
            { field: 'ttft_mean_ms', type: 'quantitative', title: 'mean (ms)', format: '.1f' },
          ],
        },
      },
    ],
  };
}
