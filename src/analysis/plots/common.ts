/**
 * What every plot spec shares: the Vega-Lite schema URL (an identifier, never fetched), default
 * sizes, the input shapes (named series of records or per-turn summaries) and the colour encoding:
 * a scale whose domain is the series names in order, so one run keeps one colour across all plots,
 * with one colour per series however many there are (Vega's tableau10, then the other colours of
 * tableau20, then evenly spread hues), and a legend that never truncates a name (Vega cuts labels at
 * 160 px by default, which made 'mode=kv, …, speculativePrefill=true' and '…=false' the same label).
 * Pure.
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

/** Vega's tableau10 (its default for nominal colours). */
const TABLEAU10 = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];
/** The colours of Vega's tableau20 that tableau10 does not have. */
const TABLEAU20_REST = ['#9ecae9', '#ffbf79', '#88d27a', '#b79a20', '#f2cf5b', '#439894', '#83bcb6', '#ff9d98', '#79706e', '#d67195', '#fcbfd2', '#d6a5c9', '#9e765f', '#d8b5a5'];

function hslHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): string => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(255 * c).toString(16).padStart(2, '0');
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}

/** n distinct colours: tableau10 up to 10 series, then tableau20's others, then hues spread by the golden angle. */
export function seriesColors(n: number): string[] {
  const out = [...TABLEAU10, ...TABLEAU20_REST].slice(0, n);
  const seen = new Set(out);
  for (let i = 0; out.length < n; i++) {
    const c = hslHex((i * 137.508) % 360, 0.55, i % 2 === 0 ? 0.42 : 0.62);
    if (!seen.has(c)) {
      seen.add(c);
      out.push(c);
    }
  }
  return out;
}

export function colorScale(names: readonly string[]): { domain: string[]; range: string[] } {
  const domain = [...new Set(names)];
  return { domain, range: seriesColors(domain.length) };
}

/** Names longer than this put the legend under the plot (one name a line) rather than beside it. */
const LEGEND_BESIDE_CHARS = 32;

/** A legend that shows every name in full. */
export function legendFor(names: readonly string[]) {
  const long = names.some((n) => [...n].length > LEGEND_BESIDE_CHARS);
  return long ? ({ labelLimit: 0, titleLimit: 0, orient: 'bottom', direction: 'vertical' } as const) : ({ labelLimit: 0, titleLimit: 0 } as const);
}

/** The colour channel of a plot: one colour per name, full names in the legend. */
export function colorEncoding(field: string, title: string, names: readonly string[]) {
  return { field, type: 'nominal', title, scale: colorScale(names), legend: legendFor(names) } as const;
}

/** Rejects an empty series list with a clear message (a plot of nothing is a caller bug). */
export function requireSeries<T>(series: readonly T[], plot: string): void {
  if (series.length === 0) throw new Error(`${plot}: needs at least one series`);
}
