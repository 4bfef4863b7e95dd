/**
 * The tables of a run, a comparison and an experiment, as table models (tables.ts) shared by the
 * terminal and the HTML report: overview (totals, throughput, cache hits, key percentiles, goodput),
 * latency distributions, TTFT per turn, group tables (label, worker, document type), comparisons
 * (ratio B/A and the difference named by the better side — 'kv faster by 19.5 ms' — green when b is
 * better by more than 2 %, red when worse) and experiment cells. Times are durations (ms or µs by
 * size, core/number-format). Runs and cells
 * carry the serving check (core/serving-check): mean serving overhead, its share of TTFT and the
 * verdict, red and marked ⚠ when CPU-bound; on the virtual clock those columns are left out and the
 * table's note says n/a. Pure.
 */
import type { Dist, Summary, TurnSummary } from '../core/records.ts';
import { OVERHEAD_SHARE_LIMIT, servingCheck, servingCheckLabel, type ServingCheck, type ServingClock } from '../core/serving-check.ts';
import type { Goodput } from '../core/goodput.ts';
import type { GroundTruth } from '../core/ground-truth.ts';
import type { Group } from './stats/groupings.ts';
import { betterOf, type Comparison, type MetricRatio } from './stats/compare.ts';
import type { RunStats } from './stats/run-stats.ts';
import { formatQuantity, type Cell, type Column, type Row, type Table, type Tone } from './tables.ts';

export interface NamedStats {
  name: string;
  stats: RunStats;
  goodput?: Goodput | null;
  /** The clock the run was measured on (default 'real'). */
  clock?: ServingClock;
}

/** Ratios within this band of 1 are not coloured. */
const NEUTRAL_BAND = 0.02;

export function ratioTone(ratio: number | null, lowerIsBetter: boolean): Tone | undefined {
  if (ratio === null) return 'dim';
  if (Math.abs(ratio - 1) <= NEUTRAL_BAND) return undefined;
  return ratio < 1 === lowerIsBetter ? 'good' : 'bad';
}

/** The summary metrics a run's or a cell's row can show: the column and how to read it off a Summary. */
const SUMMARY_METRICS = {
  requests: { column: { key: 'requests', title: 'requests' }, value: (s) => s.requests },
  failed: { column: { key: 'failed', title: 'failed' }, value: (s) => s.failed },
  duration: { column: { key: 'duration', title: 'duration', unit: 's', digits: 1 }, value: (s) => s.durationS },
  rps: { column: { key: 'rps', title: 'rate', unit: 'req/s', digits: 2 }, value: (s) => s.requestsPerS },
  otps: { column: { key: 'otps', title: 'output', unit: 'tok/s', digits: 1 }, value: (s) => s.outputTokensPerS },
  hit: { column: { key: 'hit', title: 'cache hit', unit: '%', kind: 'percent' }, value: (s) => s.cacheHitRatio },
  cpuHit: { column: { key: 'cpuHit', title: 'of it CPU', unit: '%', kind: 'percent' }, value: (s) => s.cpuHitRatio },
  diskHit: { column: { key: 'diskHit', title: 'of it disk', unit: '%', kind: 'percent' }, value: (s) => s.diskHitRatio },
  ttftMean: { column: { key: 'ttftMean', title: 'TTFT mean', kind: 'duration' }, value: (s) => s.ttftMs?.mean },
  ttftP50: { column: { key: 'ttftP50', title: 'TTFT p50', kind: 'duration' }, value: (s) => s.ttftMs?.p50 },
  ttftP99: { column: { key: 'ttftP99', title: 'TTFT p99', kind: 'duration' }, value: (s) => s.ttftMs?.p99 },
  e2eP50: { column: { key: 'e2eP50', title: 'E2E p50', kind: 'duration' }, value: (s) => s.e2eMs?.p50 },
  tpotP50: { column: { key: 'tpotP50', title: 'TPOT p50', kind: 'duration' }, value: (s) => s.tpotMs?.p50 },
  // Workloads with a priority class (client/workloads/priority-class.ts): TTFT per class.
  ttftPriorityMean: { column: { key: 'ttftPriorityMean', title: 'TTFT mean priority', kind: 'duration' }, value: (s) => s.ttftMsByClass?.priority?.mean },
  ttftPriorityP99: { column: { key: 'ttftPriorityP99', title: 'TTFT p99 priority', kind: 'duration' }, value: (s) => s.ttftMsByClass?.priority?.p99 },
  ttftStandardMean: { column: { key: 'ttftStandardMean', title: 'TTFT mean standard', kind: 'duration' }, value: (s) => s.ttftMsByClass?.standard?.mean },
  ttftStandardP99: { column: { key: 'ttftStandardP99', title: 'TTFT p99 standard', kind: 'duration' }, value: (s) => s.ttftMsByClass?.standard?.p99 },
  itlP50: { column: { key: 'itlP50', title: 'ITL p50', kind: 'duration' }, value: (s) => s.itlMs?.p50 },
  itlP99: { column: { key: 'itlP99', title: 'ITL p99', kind: 'duration' }, value: (s) => s.itlMs?.p99 },
} satisfies Record<string, { column: Column; value: (s: Summary) => number | null | undefined }>;

type SummaryMetric = keyof typeof SUMMARY_METRICS;

const RUN_METRICS: readonly SummaryMetric[] = ['requests', 'failed', 'duration', 'rps', 'otps', 'hit', 'ttftP50', 'ttftP99', 'e2eP50', 'tpotP50'];
const CELL_METRICS: readonly SummaryMetric[] = ['requests', 'failed', 'rps', 'otps', 'hit', 'ttftMean', 'ttftP50', 'ttftP99'];

const CLASS_METRICS: readonly SummaryMetric[] = ['ttftPriorityMean', 'ttftPriorityP99', 'ttftStandardMean', 'ttftStandardP99'];

/** `keys`, and the TTFT-per-class columns when some summary has priority classes. */
function withClassMetrics(keys: readonly SummaryMetric[], summaries: readonly Summary[]): readonly SummaryMetric[] {
  return summaries.some((s) => s.ttftMsByClass !== undefined) ? [...keys, ...CLASS_METRICS] : keys;
}

const metricColumns = (keys: readonly SummaryMetric[]): Column[] => keys.map((k) => SUMMARY_METRICS[k].column);

function metricValues(keys: readonly SummaryMetric[], s: Summary): Row {
  const row: Row = {};
  for (const k of keys) row[k] = SUMMARY_METRICS[k].value(s) ?? null;
  return row;
}

interface ServingPart {
  columns: Column[];
  rows: Row[];
  tones: Array<Partial<Record<string, Tone>>>;
  note: string | null;
}

/**
 * The serving check's columns for rows with these checks: mean overhead, its share of TTFT and the
 * verdict (red when CPU-bound). No columns when every row is on the virtual clock (the note says n/a).
 */
export function servingPart(checks: readonly ServingCheck[]): ServingPart {
  if (checks.every((c) => c.status === 'virtual')) {
    return { columns: [], rows: checks.map(() => ({})), tones: checks.map(() => ({})), note: checks.length > 0 ? 'serving overhead: n/a (virtual clock)' : null };
  }
  const columns: Column[] = [
    { key: 'overhead', title: 'serving overhead', kind: 'duration' },
    { key: 'overheadShare', title: 'overhead', unit: '% of TTFT', kind: 'percent' },
    { key: 'check', title: 'check' },
  ];
  const rows = checks.map((c): Row => ({ overhead: c.overheadMs, overheadShare: c.overheadShare, check: servingCheckLabel(c) }));
  const tones = checks.map((c): Partial<Record<string, Tone>> => {
    if (c.status !== 'cpu-bound') return c.status === 'ok' ? {} : { check: 'dim' };
    return c.reasons.includes('overhead') ? { overhead: 'bad', overheadShare: 'bad', check: 'bad' } : { check: 'bad' };
  });
  const flagged = checks.filter((c) => c.status === 'cpu-bound').length;
  const note = flagged > 0 ? `⚠ CPU-bound (${flagged} of ${checks.length}): serving overhead or send lateness above ${OVERHEAD_SHARE_LIMIT * 100} % of mean TTFT; the machine, not the engine, made these numbers` : null;
  return { columns, rows, tones, note };
}

function joinNotes(...notes: Array<string | null | undefined>): string | undefined {
  const kept = notes.filter((n): n is string => typeof n === 'string' && n.length > 0);
  return kept.length > 0 ? kept.join(' · ') : undefined;
}

export function overviewTable(runs: readonly NamedStats[]): Table {
  const withGoodput = runs.some((r) => r.goodput);
  const runMetrics = withClassMetrics(RUN_METRICS, runs.map((r) => r.stats.summary));
  const columns: Column[] = [{ key: 'run', title: 'run' }, ...metricColumns(runMetrics), { key: 'speedup', title: 'turn1/later TTFT', kind: 'ratio' }];
  if (withGoodput) {
    columns.push({ key: 'goodShare', title: 'goodput', unit: '%', kind: 'percent' });
    columns.push({ key: 'goodRate', title: 'goodput', unit: 'req/s', digits: 2 });
  }
  const serving = servingPart(runs.map((r) => servingCheck(r.stats.summary, r.clock ?? 'real')));
  columns.push(...serving.columns);
  const rows: Row[] = runs.map(({ name, stats, goodput }, i) => {
    return {
      run: name,
      ...metricValues(runMetrics, stats.summary),
      speedup: stats.firstVsLaterSpeedup,
      goodShare: goodput?.share ?? null,
      goodRate: goodput?.ratePerS ?? null,
      ...serving.rows[i],
    };
  });
  const slos = runs.find((r) => r.goodput)?.goodput?.slos;
  const goodNote = slos ? `goodput: requests meeting ${Object.entries(slos).map(([k, v]) => `${k} ≤ ${v}`).join(' and ')}` : null;
  return { title: 'Overview', columns, rows, tones: serving.tones, note: joinNotes(goodNote, serving.note) };
}

const LATENCIES: Array<[string, (s: Summary) => Dist]> = [
  ['ttft_ms', (s) => s.ttftMs],
  ['ttfat_ms', (s) => s.ttfatMs],
  ['e2e_ms', (s) => s.e2eMs],
  ['tpot_ms', (s) => s.tpotMs],
  ['itl_ms', (s) => s.itlMs],
  ['serving_overhead_ms', (s) => s.servingOverheadMs],
  ['send_late_ms', (s) => s.sendLateMs],
];

export function latencyTable(name: string, summary: Summary): Table {
  const stat = (key: keyof Dist, title = key as string): Column => ({ key, title, kind: 'duration' });
  return {
    title: `Latency — ${name}`,
    columns: [
      { key: 'metric', title: 'metric' },
      stat('min'),
      stat('mean'),
      stat('p50'),
      stat('p90'),
      stat('p95'),
      stat('p99'),
      stat('max'),
      { key: 'count', title: 'samples' },
    ],
    rows: LATENCIES.filter(([, pick]) => (pick(summary)?.count ?? 0) > 0).map(([metric, pick]) => {
      const d = pick(summary);
      return { metric, min: d.min, mean: d.mean, p50: d.p50, p90: d.p90, p95: d.p95, p99: d.p99, max: d.max, count: d.count };
    }),
  };
}

export function perTurnTable(name: string, turns: readonly TurnSummary[]): Table {
  return {
    title: `TTFT by turn — ${name}`,
    columns: [
      { key: 'turn', title: 'turn' },
      { key: 'count', title: 'requests' },
      { key: 'failed', title: 'failed' },
      { key: 'mean', title: 'TTFT mean', kind: 'duration' },
      { key: 'p50', title: 'TTFT p50', kind: 'duration' },
      { key: 'p90', title: 'TTFT p90', kind: 'duration' },
      { key: 'e2eP50', title: 'E2E p50', kind: 'duration' },
      { key: 'hit', title: 'cached', unit: '%', kind: 'percent' },
    ],
    rows: turns.map((t) => ({
      turn: t.turn,
      count: t.count,
      failed: t.failed,
      mean: t.ttftMs.mean,
      p50: t.ttftMs.p50,
      p90: t.ttftMs.p90,
      e2eP50: t.e2eMs.p50,
      hit: t.inputTokens > 0 ? t.cachedTokens / t.inputTokens : null,
    })),
  };
}

export function groupTable(title: string, keyTitle: string, groups: readonly Group[]): Table {
  return {
    title,
    columns: [
      { key: 'key', title: keyTitle },
      { key: 'requests', title: 'requests' },
      { key: 'failed', title: 'failed' },
      { key: 'rps', title: 'rate', unit: 'req/s', digits: 2 },
      { key: 'hit', title: 'cache hit', unit: '%', kind: 'percent' },
      { key: 'ttftMean', title: 'TTFT mean', kind: 'duration' },
      { key: 'ttftP50', title: 'TTFT p50', kind: 'duration' },
      { key: 'ttftP90', title: 'TTFT p90', kind: 'duration' },
      { key: 'e2eP50', title: 'E2E p50', kind: 'duration' },
    ],
    rows: groups.map(({ key, summary: s }) => ({
      key,
      requests: s.requests,
      failed: s.failed,
      rps: s.requestsPerS,
      hit: s.cacheHitRatio,
      ttftMean: s.ttftMs.mean,
      ttftP50: s.ttftMs.p50,
      ttftP90: s.ttftMs.p90,
      e2eP50: s.e2eMs.p50,
    })),
  };
}

function metricUnit(m: MetricRatio): string {
  return m.metric === 'requests_per_s' ? 'req/s' : m.metric === 'output_tokens_per_s' ? 'tok/s' : 'ms';
}

/**
 * A difference with its direction, named by the better side: 'kv faster by 19.5 ms' (lower is
 * better), 'kv higher by 3.10 req/s' (higher is better), 'same'; null when either side is missing.
 */
export function differenceText(
  a: number | null,
  b: number | null,
  unit: string,
  lowerIsBetter: boolean,
  aName: string,
  bName: string,
): string | null {
  const better = betterOf(a, b, lowerIsBetter);
  if (better === null) return null;
  if (better === 'same') return 'same';
  const by = formatQuantity({ value: Math.abs((b as number) - (a as number)), unit });
  return `${better === 'b' ? bName : aName} ${lowerIsBetter ? 'faster' : 'higher'} by ${by}`;
}

export function comparisonTables(cmp: Comparison, aName: string, bName: string): Table[] {
  const quantity = (v: number | null, unit: string): Cell => (v === null ? null : { value: v, unit });
  const metrics: Table = {
    title: `Comparison — ${bName} vs ${aName}`,
    columns: [
      { key: 'metric', title: 'metric' },
      { key: 'stat', title: 'stat' },
      { key: 'a', title: `A: ${aName}` },
      { key: 'b', title: `B: ${bName}` },
      { key: 'ratio', title: 'B/A', kind: 'ratio', digits: 3 },
      { key: 'difference', title: 'difference' },
    ],
    rows: cmp.metrics.map((m) => ({
      metric: m.metric,
      stat: m.stat,
      a: quantity(m.a, metricUnit(m)),
      b: quantity(m.b, metricUnit(m)),
      ratio: m.ratio,
      difference: differenceText(m.a, m.b, metricUnit(m), m.lowerIsBetter, aName, bName),
    })),
    tones: cmp.metrics.map((m) => ({ ratio: ratioTone(m.ratio, m.lowerIsBetter), difference: ratioTone(m.ratio, m.lowerIsBetter) })),
    note: 'B/A below 1 is better for latencies, above 1 for throughputs',
  };
  const turnDifference = (a: number | null, b: number | null) => differenceText(a, b, 'ms', true, aName, bName);
  const turns: Table = {
    title: `TTFT by turn — ${bName} vs ${aName}`,
    columns: [
      { key: 'turn', title: 'turn' },
      { key: 'aMean', title: 'A mean', kind: 'duration' },
      { key: 'bMean', title: 'B mean', kind: 'duration' },
      { key: 'meanRatio', title: 'mean B/A', kind: 'ratio', digits: 3 },
      { key: 'meanDifference', title: 'mean difference' },
      { key: 'aP50', title: 'A p50', kind: 'duration' },
      { key: 'bP50', title: 'B p50', kind: 'duration' },
      { key: 'p50Ratio', title: 'p50 B/A', kind: 'ratio', digits: 3 },
      { key: 'p50Difference', title: 'p50 difference' },
    ],
    rows: cmp.perTurn.map((t) => ({
      turn: t.turn,
      aMean: t.aMeanMs,
      bMean: t.bMeanMs,
      meanRatio: t.meanRatio,
      meanDifference: turnDifference(t.aMeanMs, t.bMeanMs),
      aP50: t.aP50Ms,
      bP50: t.bP50Ms,
      p50Ratio: t.p50Ratio,
      p50Difference: turnDifference(t.aP50Ms, t.bP50Ms),
    })),
    tones: cmp.perTurn.map((t) => {
      const mean = ratioTone(t.meanRatio, true);
      const p50 = ratioTone(t.p50Ratio, true);
      return { meanRatio: mean, meanDifference: mean, p50Ratio: p50, p50Difference: p50 };
    }),
  };
  return [metrics, turns];
}

export interface CellRow {
  params: Record<string, string | number | boolean | null>;
  summary: Summary;
  /** Best case, oracle and regret (summary.json), when the experiment computed them. */
  groundTruth?: GroundTruth | null;
}

/** Ground-truth columns: best case, oracle hit ratio and the regret (oracle − actual hits, actual − oracle TTFT). */
const GROUND_TRUTH_COLUMNS: Column[] = [
  { key: 'bestHit', title: 'best-case hit', unit: '%', kind: 'percent' },
  { key: 'oracleHit', title: 'oracle hit', unit: '%', kind: 'percent' },
  { key: 'regretHit', title: 'hit regret', unit: 'pp', kind: 'percent' },
  { key: 'regretTtft', title: 'TTFT regret', kind: 'duration' },
];

function groundTruthValues(gt: GroundTruth | null | undefined): Row {
  return {
    bestHit: gt?.bestCaseHitRatio ?? null,
    oracleHit: gt?.oracle?.hitRatio ?? null,
    regretHit: gt?.regret?.hitRatio ?? null,
    regretTtft: gt?.regret?.ttftMeanMs ?? null,
  };
}

const GROUND_TRUTH_NOTE =
  'best case: one worker with an unlimited cache; oracle: the kv cost on the workers\' true caches, no delay, same cluster; regret: what the router lost against it (positive = worse)';

/** The experiment's cells; `clock` is the experiment's (summary.json), real when unknown. */
export function experimentTable(name: string, cells: readonly CellRow[], clock: ServingClock = 'real', title = `Experiment cells — ${name}`): Table {
  const keys = [...new Set(cells.flatMap((c) => Object.keys(c.params)))];
  const serving = servingPart(cells.map((c) => servingCheck(c.summary, clock)));
  const truth = cells.some((c) => c.groundTruth);
  // Offload tiers: the cache hit split by tier, when some cell's engines had tiers.
  const tiered: readonly SummaryMetric[] = cells.some((c) => c.summary.cpuHitRatio !== undefined) ? [...CELL_METRICS.slice(0, 5), 'cpuHit', 'diskHit', ...CELL_METRICS.slice(5)] : CELL_METRICS;
  // Disaggregated prefill/decode trades TTFT for inter-token latency: show both when a cell varies it.
  const timed: readonly SummaryMetric[] = cells.some((c) => 'disaggregation' in c.params) ? [...tiered, 'itlP50', 'itlP99'] : tiered;
  const metrics = withClassMetrics(timed, cells.map((c) => c.summary));
  return {
    title,
    columns: [...keys.map((k): Column => ({ key: `param:${k}`, title: k, kind: 'value' })), ...metricColumns(metrics), ...(truth ? GROUND_TRUTH_COLUMNS : []), ...serving.columns],
    rows: cells.map((c, i) => {
      const row: Row = {};
      for (const k of keys) row[`param:${k}`] = c.params[k] ?? null;
      return { ...row, ...metricValues(metrics, c.summary), ...(truth ? groundTruthValues(c.groundTruth) : {}), ...serving.rows[i] };
    }),
    tones: serving.tones,
    note: joinNotes(truth ? GROUND_TRUTH_NOTE : null, serving.note),
  };
}
