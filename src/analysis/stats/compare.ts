/**
 * Comparison of two runs: for each latency metric (TTFT, E2E, TPOT, ITL) and statistic (mean, p50,
 * p90, p99), and for the two throughputs, the ratio b/a, the difference b − a and which side is
 * better (lower latency, higher throughput); and per turn, the ratio and difference of TTFT mean and
 * p50. A ratio is null when either side is missing or a is 0, a difference when either side is
 * missing. Pure.
 */
import type { Dist, Summary, TurnSummary } from '../../core/records.ts';

export const COMPARED_LATENCIES = ['ttft_ms', 'e2e_ms', 'tpot_ms', 'itl_ms'] as const;
export const COMPARED_STATS = ['mean', 'p50', 'p90', 'p99'] as const;
export type ComparedMetric = (typeof COMPARED_LATENCIES)[number] | 'requests_per_s' | 'output_tokens_per_s';
export type ComparedStat = (typeof COMPARED_STATS)[number] | 'value';

export interface MetricRatio {
  metric: ComparedMetric;
  stat: ComparedStat;
  a: number | null;
  b: number | null;
  /** b / a. */
  ratio: number | null;
  /** b − a, in the metric's unit. */
  difference: number | null;
  /** The better side ('same' when equal; null when either is missing). */
  better: Better;
  /** Latencies: a ratio below 1 means b is better. Throughputs: above 1 is better. */
  lowerIsBetter: boolean;
}

export type Better = 'a' | 'b' | 'same' | null;

export interface TurnRatio {
  turn: number;
  aMeanMs: number | null;
  bMeanMs: number | null;
  meanRatio: number | null;
  /** bMeanMs − aMeanMs. */
  meanDifferenceMs: number | null;
  aP50Ms: number | null;
  bP50Ms: number | null;
  p50Ratio: number | null;
  p50DifferenceMs: number | null;
}

export interface Comparison {
  metrics: MetricRatio[];
  perTurn: TurnRatio[];
}

export interface ComparedRun {
  summary: Summary;
  perTurn: readonly TurnSummary[];
}

export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0) return null;
  return b / a;
}

export function difference(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  return b - a;
}

/** Which of a and b is better when lower (or higher) is better. */
export function betterOf(a: number | null | undefined, b: number | null | undefined, lowerIsBetter: boolean): Better {
  const d = difference(a, b);
  if (d === null) return null;
  if (d === 0) return 'same';
  return d < 0 === lowerIsBetter ? 'b' : 'a';
}

function metricRatio(metric: ComparedMetric, stat: ComparedStat, a: number | null, b: number | null, lowerIsBetter: boolean): MetricRatio {
  return { metric, stat, a, b, ratio: ratio(a, b), difference: difference(a, b), better: betterOf(a, b, lowerIsBetter), lowerIsBetter };
}

function distOf(s: Summary, m: (typeof COMPARED_LATENCIES)[number]): Dist {
  switch (m) {
    case 'ttft_ms':
      return s.ttftMs;
    case 'e2e_ms':
      return s.e2eMs;
    case 'tpot_ms':
      return s.tpotMs;
    case 'itl_ms':
      return s.itlMs;
  }
}

export function compare(a: ComparedRun, b: ComparedRun): Comparison {
  const metrics: MetricRatio[] = [];
  for (const m of COMPARED_LATENCIES) {
    const da = distOf(a.summary, m);
    const db = distOf(b.summary, m);
    for (const stat of COMPARED_STATS) {
      metrics.push(metricRatio(m, stat, da[stat], db[stat], true));
    }
  }
  const tput: Array<[ComparedMetric, number, number]> = [
    ['requests_per_s', a.summary.requestsPerS, b.summary.requestsPerS],
    ['output_tokens_per_s', a.summary.outputTokensPerS, b.summary.outputTokensPerS],
  ];
  for (const [metric, va, vb] of tput) {
    metrics.push(metricRatio(metric, 'value', va, vb, false));
  }
  const aTurns = new Map(a.perTurn.map((t) => [t.turn, t]));
  const bTurns = new Map(b.perTurn.map((t) => [t.turn, t]));
  const turns = [...new Set([...aTurns.keys(), ...bTurns.keys()])].sort((x, y) => x - y);
  const perTurn = turns.map((turn): TurnRatio => {
    const ta = aTurns.get(turn)?.ttftMs;
    const tb = bTurns.get(turn)?.ttftMs;
    const aMeanMs = ta?.mean ?? null;
    const bMeanMs = tb?.mean ?? null;
    const aP50Ms = ta?.p50 ?? null;
    const bP50Ms = tb?.p50 ?? null;
    return {
      turn,
      aMeanMs,
      bMeanMs,
      meanRatio: ratio(aMeanMs, bMeanMs),
      meanDifferenceMs: difference(aMeanMs, bMeanMs),
      aP50Ms,
      bP50Ms,
      p50Ratio: ratio(aP50Ms, bP50Ms),
      p50DifferenceMs: difference(aP50Ms, bP50Ms),
    };
  });
  return { metrics, perTurn };
}
