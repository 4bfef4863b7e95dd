/**
 * Comparison per turn: bars of the TTFT ratio B/A (mean) per turn, one colour per comparison, with a
 * rule at 1 (below 1: B is faster). Turns where either side has no TTFT are left out. Pure.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { TurnRatio } from '../stats/compare.ts';
import { colorEncoding, colorScale, HEIGHT, requireSeries, VL_SCHEMA, WIDTH } from './common.ts';

export interface TurnComparison {
  /** e.g. 'kv vs round-robin'. */
  name: string;
  perTurn: readonly TurnRatio[];
}

export function compareTurnsSpec(comparisons: readonly TurnComparison[]): TopLevelSpec {
  requireSeries(comparisons, 'compareTurnsSpec');
  const values = comparisons.flatMap((c) =>
    c.perTurn
      .filter((t) => t.meanRatio !== null)
      .map((t) => ({
        comparison: c.name,
        turn: t.turn,
        ratio: t.meanRatio,
        a_mean_ms: t.aMeanMs,
        b_mean_ms: t.bMeanMs,
        p50_ratio: t.p50Ratio,
      })),
  );
  const names = comparisons.map((c) => c.name);
  return {
    $schema: VL_SCHEMA,
    title: 'TTFT ratio per turn (B/A, mean; below 1 = B faster)',
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'turn', type: 'ordinal', title: 'turn', axis: { labelAngle: 0 } },
          xOffset: { field: 'comparison', type: 'nominal', scale: { domain: colorScale(names).domain } },
          y: { field: 'ratio', type: 'quantitative', title: 'TTFT B/A' },
          color: colorEncoding('comparison', 'comparison', names),
          tooltip: [
            { field: 'comparison', type: 'nominal', title: 'comparison' },
            { field: 'turn', type: 'ordinal', title: 'turn' },
            { field: 'ratio', type: 'quantitative', title: 'mean B/A', format: '.3f' },
            { field: 'p50_ratio', type: 'quantitative', title: 'p50 B/A', format: '.3f' },
            { field: 'a_mean_ms', type: 'quantitative', title: 'A mean (ms)', format: '.1f' },
            { field: 'b_mean_ms', type: 'quantitative', title: 'B mean (ms)', format: '.1f' },
          ],
        },
      },
      {
        data: { values: [{ one: 1 }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#555' },
        encoding: { y: { field: 'one', type: 'quantitative' } },
      },
    ],
  };
}
