/**
 * Pass/fail thresholds in k6's grammar: `metric:stat op value`, e.g. `ttft_ms:p95<500`,
 * `e2e_ms:p(99)<=2000`, `error_rate<0.01`, `requests_per_s:rate>=5`. Pure: parse once, evaluate
 * against a run's records and summary. A threshold with no data fails (nothing was shown to pass).
 *
 * Latency metrics (ttft_ms, ttfat_ms, e2e_ms, tpot_ms, itl_ms, serving_overhead_ms — client TTFT − the
 * engine's, no data against a target without engine timing) take the successful requests' values and
 * the stats avg/mean, min, max, med, pN / p(N) (any N in 0..100, decimals allowed), count and rate
 * (count per second). Run-level metrics (error_rate, requests_per_s, output_tokens_per_s) take no stat
 * or one of rate/avg/mean/value; error_rate also takes count (failed requests). Percentiles use
 * core/summary's interpolation, so they match run.json.
 */
import type { RequestRecord, Summary } from '../../core/records.ts';
import type { RecordSource } from '../../core/record-source.ts';
import { percentileSorted } from '../../core/summary.ts';

export const TREND_METRICS = ['ttft_ms', 'ttfat_ms', 'e2e_ms', 'tpot_ms', 'itl_ms', 'serving_overhead_ms'] as const;
export const RUN_METRICS = ['error_rate', 'requests_per_s', 'output_tokens_per_s'] as const;
export type ThresholdMetric = (typeof TREND_METRICS)[number] | (typeof RUN_METRICS)[number];
export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==';

export type ThresholdStat =
  | { kind: 'mean' }
  | { kind: 'min' }
  | { kind: 'max' }
  | { kind: 'percentile'; p: number }
  | { kind: 'count' }
  | { kind: 'rate' }
  | { kind: 'value' };

export interface Threshold {
  /** The text as given. */
  source: string;
  metric: ThresholdMetric;
  stat: ThresholdStat;
  op: ThresholdOp;
  limit: number;
}

export interface ThresholdResult {
  threshold: string;
  metric: ThresholdMetric;
  observed: number | null;
  ok: boolean;
}

const GRAMMAR = /^\s*([a-z][a-z0-9_]*)\s*(?::\s*([a-z]+(?:\(\s*[0-9.]+\s*\))?|p[0-9.]+))?\s*(<=|>=|==|<|>)\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*$/i;

function parseStat(raw: string | undefined, metric: ThresholdMetric, source: string): ThresholdStat {
  const isTrend = (TREND_METRICS as readonly string[]).includes(metric);
  if (raw === undefined) {
    if (isTrend) throw new Error(`threshold '${source}': ${metric} needs a statistic, e.g. ${metric}:p95<500`);
    return { kind: 'value' };
  }
  const s = raw.toLowerCase().replace(/\s+/g, '');
  const pct = /^p\(?([0-9]+(?:\.[0-9]+)?)\)?$/.exec(s);
  let stat: ThresholdStat | null = null;
  if (pct) {
    const p = Number(pct[1]);
    if (!(p >= 0 && p <= 100)) throw new Error(`threshold '${source}': percentile must be within 0..100, got ${pct[1]}`);
    stat = { kind: 'percentile', p };
  } else if (s === 'avg' || s === 'mean') stat = isTrend ? { kind: 'mean' } : { kind: 'value' };
  else if (s === 'med') stat = { kind: 'percentile', p: 50 };
  else if (s === 'min') stat = { kind: 'min' };
  else if (s === 'max') stat = { kind: 'max' };
  else if (s === 'count') stat = { kind: 'count' };
  else if (s === 'rate') stat = isTrend ? { kind: 'rate' } : { kind: 'value' };
  else if (s === 'value') stat = { kind: 'value' };
  if (!stat) throw new Error(`threshold '${source}': unknown statistic '${raw}' (use avg, mean, min, max, med, pN, count or rate)`);
  if (isTrend && stat.kind === 'value') throw new Error(`threshold '${source}': ${metric} takes avg, min, max, med, pN, count or rate`);
  if (!isTrend && stat.kind !== 'value' && !(stat.kind === 'count' && metric === 'error_rate')) {
    throw new Error(`threshold '${source}': ${metric} is a run-level value: write ${metric}<N or ${metric}:rate<N`);
  }
  return stat;
}

/** Parse one threshold; throws a one-line Error naming the problem. */
export function parseThreshold(source: string): Threshold {
  const m = GRAMMAR.exec(source);
  if (!m) throw new Error(`threshold '${source}' does not parse: expected metric:stat<op>value, e.g. 'ttft_ms:p95<500'`);
  const metric = m[1].toLowerCase();
  if (![...TREND_METRICS, ...RUN_METRICS].includes(metric as ThresholdMetric)) {
    throw new Error(`threshold '${source}': unknown metric '${m[1]}' (use ${[...TREND_METRICS, ...RUN_METRICS].join(', ')})`);
  }
  return {
    source,
    metric: metric as ThresholdMetric,
    stat: parseStat(m[2], metric as ThresholdMetric, source),
    op: m[3] as ThresholdOp,
    limit: Number(m[4]),
  };
}

function trendValues(records: RecordSource<RequestRecord>, metric: (typeof TREND_METRICS)[number]): number[] {
  const out: number[] = [];
  for (const r of records) {
    if (!r.ok) continue;
    if (metric === 'itl_ms') {
      for (const g of r.itlMs ?? []) out.push(g);
      continue;
    }
    const v =
      metric === 'ttft_ms' ? r.ttftMs : metric === 'ttfat_ms' ? r.ttfatMs : metric === 'e2e_ms' ? r.e2eMs : metric === 'serving_overhead_ms' ? r.servingOverheadMs : r.tpotMs;
    if (v !== null && v !== undefined && Number.isFinite(v)) out.push(v);
  }
  return out.sort((a, b) => a - b);
}

/** The observed value a threshold compares (null when there is no data). */
export function observe(t: Threshold, records: RecordSource<RequestRecord>, summary: Summary): number | null {
  switch (t.metric) {
    case 'error_rate':
      if (summary.requests === 0) return null;
      return t.stat.kind === 'count' ? summary.failed : summary.failed / summary.requests;
    case 'requests_per_s':
      return summary.durationS > 0 ? summary.requestsPerS : null;
    case 'output_tokens_per_s':
      return summary.durationS > 0 ? summary.outputTokensPerS : null;
  }
  const xs = trendValues(records, t.metric);
  switch (t.stat.kind) {
    case 'count':
      return xs.length;
    case 'rate':
      return summary.durationS > 0 ? xs.length / summary.durationS : null;
    case 'mean':
      return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
    case 'min':
      return xs.length ? xs[0] : null;
    case 'max':
      return xs.length ? xs[xs.length - 1] : null;
    case 'percentile':
      return percentileSorted(xs, t.stat.p);
    case 'value':
      return null;
  }
}

export function compare(observed: number, op: ThresholdOp, limit: number): boolean {
  switch (op) {
    case '<':
      return observed < limit;
    case '<=':
      return observed <= limit;
    case '>':
      return observed > limit;
    case '>=':
      return observed >= limit;
    case '==':
      return observed === limit;
  }
}

export function evaluateThresholds(thresholds: readonly Threshold[], records: RecordSource<RequestRecord>, summary: Summary): ThresholdResult[] {
  return thresholds.map((t) => {
    const observed = observe(t, records, summary);
    return { threshold: t.source, metric: t.metric, observed, ok: observed !== null && compare(observed, t.op, t.limit) };
  });
}
