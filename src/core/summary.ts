/**
 * Summaries of request records (docs/DESIGN.md results contract): order statistics per metric, totals,
 * throughput, cache hit ratio, serving overhead (and its share of TTFT, over the requests that carried
 * the engine's timing), send lateness, error counts, and the per-turn table. Pure; shared by the real client,
 * the virtual cluster and src/analysis so every run.json is computed the same way.
 *
 * Percentiles use linear interpolation between closest ranks (numpy's default, which vLLM's and
 * Dynamo's benchmark scripts use), computed by simple-statistics' quantileSorted (numpy's linear
 * method, "type 7", since simple-statistics 7.12; earlier 7.x releases picked a neighbouring rank
 * instead, hence the ^7.12.1 floor in package.json); std is the population standard deviation.
 *
 * Records come from a RecordSource (core/record-source.ts: an array, or a long virtual run's columns
 * that make each record as it is reached): every function here reads them in passes and keeps only
 * numbers, so it never needs the records all at once. A Dist sorts its values first, so it does not
 * depend on the order they were gathered in; a mean over unsorted values (firstVsLaterSpeedup) keeps
 * the records' order.
 */
import { mean as ssMean, quantileSorted, standardDeviation } from 'simple-statistics';
import { sortFloat64 } from './sort-float64.ts';
import { PRIORITY_CLASS_TAG, type Dist, type RequestRecord, type Summary, type TurnSummary } from './records.ts';
import type { RecordSource } from './record-source.ts';

/** p-th percentile (0..100, clamped) of an ascending array, linear interpolation; null when empty. */
export function percentileSorted(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return quantileSorted(sorted, Math.min(100, Math.max(0, p)) / 100);
}

export function dist(values: ArrayLike<number>): Dist {
  // Sorted as a Float64Array (sort-float64.ts: a radix sort when long), many times faster than
  // Array#sort with a comparator on the millions of ITL gaps of a long run (same order, same numbers).
  const buf = new Float64Array(values.length);
  let kept = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) buf[kept++] = values[i];
  return sortedDist(sortFloat64(kept === values.length ? buf : buf.subarray(0, kept)));
}

/** The Dist of finite values already sorted ascending. */
function sortedDist(sorted: Float64Array): Dist {
  const xs = sorted as unknown as number[];
  const n = xs.length;
  if (n === 0) {
    return { mean: null, std: null, min: null, p25: null, p50: null, p75: null, p90: null, p95: null, p99: null, max: null, count: 0 };
  }
  return {
    mean: ssMean(xs),
    std: n > 1 ? standardDeviation(xs) : 0,
    min: xs[0],
    p25: percentileSorted(xs, 25),
    p50: percentileSorted(xs, 50),
    p75: percentileSorted(xs, 75),
    p90: percentileSorted(xs, 90),
    p95: percentileSorted(xs, 95),
    p99: percentileSorted(xs, 99),
    max: xs[n - 1],
    count: n,
  };
}

/** Appends `v` when it is a finite number (a successful request's metric; null when not measured). */
function pushFinite(out: number[], v: number | null | undefined): void {
  if (v !== null && v !== undefined && Number.isFinite(v)) out.push(v);
}

/**
 * Duration of a run from its records: first send to last completion, seconds. Used when the caller
 * does not pass the measured wall duration.
 */
export function spanS(records: RecordSource<RequestRecord>): number {
  let start = Infinity;
  let end = -Infinity;
  for (const r of records) {
    start = Math.min(start, r.sentAtMs);
    end = Math.max(end, r.sentAtMs + (r.e2eMs ?? 0));
  }
  return Number.isFinite(start) && end > start ? (end - start) / 1000 : 0;
}

export interface SummarizeOptions {
  /**
   * Gather the ITL gaps (default true). A caller that never reads `itlMs` (the report's group tables)
   * passes false: the gaps are most of a run's numbers, and `itlMs` is then the empty Dist (count 0).
   */
  itl?: boolean;
  /**
   * The ITL distribution of these records, known without their gaps (a streamed virtual run counts
   * them: core/gap-counts; the report reads run.json's): used as it is, the gaps are not gathered.
   */
  itlMs?: Dist;
}

export function summarize(records: RecordSource<RequestRecord>, durationS: number = spanS(records), opts: SummarizeOptions = {}): Summary {
  const withItl = (opts.itl ?? true) && opts.itlMs === undefined;
  let succeeded = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let cachedTokens = 0;
  let hitIn = 0;
  let anyCached = false;
  // Offload tiers: tokens loaded back from CPU / disk, over the input of the requests that report them.
  let cpuCached = 0;
  let diskCached = 0;
  let tierIn = 0;
  const errors: Record<string, number> = {};
  // ITL gaps (every token of every request: millions in a long run) go straight into one typed array.
  let gaps = 0;
  if (withItl) for (const r of records) if (r.ok && r.itlMs) gaps += r.itlMs.length;
  const itl = new Float64Array(gaps);
  let nItl = 0;
  const overhead: number[] = [];
  let overheadTtft = 0;
  const late: number[] = [];
  const ttft: number[] = [];
  const ttfat: number[] = [];
  const e2e: number[] = [];
  const tpot: number[] = [];
  let requests = 0;
  for (const r of records) {
    requests++;
    if (r.lateMs !== null && r.lateMs !== undefined && Number.isFinite(r.lateMs)) late.push(r.lateMs);
    if (r.ok) {
      succeeded++;
      pushFinite(ttft, r.ttftMs);
      pushFinite(ttfat, r.ttfatMs);
      pushFinite(e2e, r.e2eMs);
      pushFinite(tpot, r.tpotMs);
      inputTokens += r.inputTokens ?? 0;
      outputTokens += r.outputTokens ?? 0;
      if (r.cachedTokens !== null && r.cachedTokens !== undefined && r.inputTokens) {
        anyCached = true;
        cachedTokens += r.cachedTokens;
        hitIn += r.inputTokens;
        if (r.cpuCachedTokens !== null && r.cpuCachedTokens !== undefined) {
          cpuCached += r.cpuCachedTokens;
          diskCached += r.diskCachedTokens ?? 0;
          tierIn += r.inputTokens;
        }
      }
      if (withItl && r.itlMs) for (const g of r.itlMs) if (Number.isFinite(g)) itl[nItl++] = g;
      const o = r.servingOverheadMs;
      if (o !== null && o !== undefined && Number.isFinite(o) && r.ttftMs !== null && Number.isFinite(r.ttftMs)) {
        overhead.push(o);
        overheadTtft += r.ttftMs;
      }
    } else {
      const key = errorKey(r);
      errors[key] = (errors[key] ?? 0) + 1;
    }
  }
  const d = durationS > 0 ? durationS : 0;
  let overheadSum = 0;
  for (const o of overhead) overheadSum += o;
  return {
    requests,
    succeeded,
    failed: requests - succeeded,
    durationS: d,
    requestsPerS: d > 0 ? succeeded / d : 0,
    inputTokens,
    outputTokens,
    cachedTokens,
    outputTokensPerS: d > 0 ? outputTokens / d : 0,
    cacheHitRatio: anyCached && hitIn > 0 ? cachedTokens / hitIn : null,
    ttftMs: dist(ttft),
    ttfatMs: dist(ttfat),
    e2eMs: dist(e2e),
    tpotMs: dist(tpot),
    itlMs: opts.itlMs ?? (withItl ? sortedDist(sortFloat64(itl.subarray(0, nItl))) : dist([])),
    servingOverheadMs: dist(overhead),
    servingOverheadShare: overhead.length > 0 && overheadTtft > 0 ? overheadSum / overheadTtft : null,
    sendLateMs: dist(late),
    errors,
    ...(tierIn > 0 ? { cpuHitRatio: cpuCached / tierIn, diskHitRatio: diskCached / tierIn } : {}),
    ...ttftByClass(records),
  };
}

/** TTFT per priority class, when records carry one (nothing otherwise: summaries stay as they were). */
function ttftByClass(records: RecordSource<RequestRecord>): { ttftMsByClass?: Record<string, Dist> } {
  const byClass = new Map<string, number[]>();
  for (const r of records) {
    const cls = r.tags?.[PRIORITY_CLASS_TAG];
    if (cls === undefined) continue;
    let list = byClass.get(String(cls));
    if (!list) byClass.set(String(cls), (list = []));
    if (r.ok && r.ttftMs !== null && r.ttftMs !== undefined) list.push(r.ttftMs);
  }
  if (byClass.size === 0) return {};
  const out: Record<string, Dist> = {};
  for (const cls of [...byClass.keys()].sort()) out[cls] = dist(byClass.get(cls)!);
  return { ttftMsByClass: out };
}

/** A short, stable grouping key for an error: the non-2xx HTTP status when there was one, else the message head. */
export function errorKey(r: RequestRecord): string {
  // A 2xx status with an error is a failure inside the stream: group it by its message, not as http_200.
  if (r.status && (r.status < 200 || r.status >= 300)) return `http_${r.status}`;
  const msg = (r.error ?? 'unknown').split(/[:\n]/)[0].trim();
  return msg.slice(0, 60) || 'unknown';
}

export function perTurn(records: RecordSource<RequestRecord>): TurnSummary[] {
  // One pass: per turn its counts and the numbers its Dists need (not its records).
  const byTurn = new Map<number, { count: number; failed: number; cached: number; input: number; ttft: number[]; e2e: number[] }>();
  for (const r of records) {
    let t = byTurn.get(r.turn);
    if (!t) byTurn.set(r.turn, (t = { count: 0, failed: 0, cached: 0, input: 0, ttft: [], e2e: [] }));
    t.count++;
    if (!r.ok) {
      t.failed++;
      continue;
    }
    t.cached += r.cachedTokens ?? 0;
    t.input += r.inputTokens ?? 0;
    pushFinite(t.ttft, r.ttftMs);
    pushFinite(t.e2e, r.e2eMs);
  }
  return [...byTurn.keys()]
    .sort((a, b) => a - b)
    .map((turn) => {
      const t = byTurn.get(turn)!;
      return {
        turn,
        count: t.count,
        failed: t.failed,
        ttftMs: dist(t.ttft),
        e2eMs: dist(t.e2e),
        cachedTokens: t.cached,
        inputTokens: t.input,
      };
    });
}

/** Mean TTFT of turn 1 divided by mean TTFT of turns ≥ 2 (null when either side is empty). */
export function firstVsLaterSpeedup(records: RecordSource<RequestRecord>): number | null {
  const first: number[] = [];
  const later: number[] = [];
  for (const r of records) {
    if (!r.ok) continue;
    if (r.turn === 1) pushFinite(first, r.ttftMs);
    else if (r.turn > 1) pushFinite(later, r.ttftMs);
  }
  if (first.length === 0 || later.length === 0) return null;
  const l = ssMean(later);
  return l > 0 ? ssMean(first) / l : null;
}
