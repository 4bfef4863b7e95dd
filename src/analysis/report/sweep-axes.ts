/**
 * Choosing the axes of an experiment's sweep plot: the x parameter (numeric, several values) and the
 * series parameter (one line per value). Explicit choices win; otherwise the defaults of Dynamo's
 * figure ('workload.prefixRatio' by 'cluster.router.mode', or 'router.mode') when the cells have
 * them; otherwise the first numeric parameter with several values, and the first other parameter
 * with several values. Pure.
 */
import type { ParamValue } from '../stats/run-data.ts';
import { DEFAULT_SWEEP_SERIES, DEFAULT_SWEEP_X } from '../plots/prefix-ratio.ts';

export interface SweepAxes {
  x: string;
  series: string | null;
}

const SERIES_DEFAULTS = [DEFAULT_SWEEP_SERIES, 'router.mode'];

function distinct(cells: ReadonlyArray<{ params: Record<string, ParamValue> }>, key: string): ParamValue[] {
  return [...new Set(cells.map((c) => c.params[key]).filter((v) => v !== undefined))];
}

export function pickSweepAxes(
  cells: ReadonlyArray<{ params: Record<string, ParamValue> }>,
  wanted: { x?: string; series?: string | null } = {},
): SweepAxes | null {
  const keys = [...new Set(cells.flatMap((c) => Object.keys(c.params)))];
  const varying = keys.filter((k) => distinct(cells, k).length > 1);
  const numeric = (k: string) => distinct(cells, k).every((v) => typeof v === 'number');
  const x = wanted.x ?? (keys.includes(DEFAULT_SWEEP_X) ? DEFAULT_SWEEP_X : varying.find(numeric));
  if (x === undefined || !cells.some((c) => typeof c.params[x] === 'number')) return null;
  if (wanted.series !== undefined) return { x, series: wanted.series };
  const series = SERIES_DEFAULTS.find((k) => keys.includes(k)) ?? varying.find((k) => k !== x) ?? null;
  return { x, series };
}
