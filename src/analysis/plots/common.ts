/**
 * What every plot spec shares: the Vega-Lite schema URL (an identifier, never fetched), default
 * sizes, the input shapes (named series of records or per-turn summaries) and a colour scale whose
 * domain is the series names in order, so one run keeps one colour across all plots. Pure.
 */
import type { RequestRecord, TurnSummary } from '../../core/records.ts';

export const VL_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
export const WIDTH = 520;
export const HEIGHT = 280;

export interface RecordSeries {
  name: string;
  records: readonly RequestRecord[];
}

export interface TurnSeries {
  name: string;
  perTurn: readonly TurnSummary[];
}

export function colorScale(names: readonly string[]): { domain: string[] } {
  return { domain: [...new Set(names)] };
}

/** Rejects an empty series list with a clear message (a plot of nothing is a caller bug). */
export function requireSeries<T>(series: readonly T[], plot: string): void {
  if (series.length === 0) throw new Error(`${plot}: needs at least one series`);
}
