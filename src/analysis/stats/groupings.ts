/**
 * Groupings of a run's records into summaries: by label, by worker, by document type (tags.docType),
 * and first turn vs later turns. Every group is summarised by core's `summarize` over the run's
 * duration, so group throughputs add up to the run's. Records without the key fall in group '-'.
 * Group summaries leave out the ITL gaps (`itlMs` is the empty Dist): no group table shows ITL, and
 * gathering and sorting every token's gap once per grouping was most of a long run's report time. Pure.
 */
import type { RequestRecord, Summary } from '../../core/records.ts';
import { firstVsLaterSpeedup, spanS, summarize, type SummarizeOptions } from '../../core/summary.ts';

/** What a group's summary holds: everything but the ITL gaps (see the module comment). */
const GROUP_SUMMARY: SummarizeOptions = { itl: false };

export const NO_GROUP = '-';

export interface Group {
  key: string;
  summary: Summary;
}

/** Groups in key order (natural order, '-' last). */
export function groupRecords(
  records: readonly RequestRecord[],
  keyOf: (r: RequestRecord) => string | number | boolean | null | undefined,
  durationS: number = spanS(records),
): Group[] {
  const byKey = new Map<string, RequestRecord[]>();
  for (const r of records) {
    const k = keyOf(r);
    const key = k === null || k === undefined || k === '' ? NO_GROUP : String(k);
    const list = byKey.get(key);
    if (list) list.push(r);
    else byKey.set(key, [r]);
  }
  const collator = new Intl.Collator('en', { numeric: true });
  return [...byKey.keys()]
    .sort((a, b) => (a === NO_GROUP ? 1 : b === NO_GROUP ? -1 : collator.compare(a, b)))
    .map((key) => ({ key, summary: summarize(byKey.get(key)!, durationS, GROUP_SUMMARY) }));
}

export function byLabel(records: readonly RequestRecord[], durationS?: number): Group[] {
  return groupRecords(records, (r) => r.label, durationS);
}

export function byWorker(records: readonly RequestRecord[], durationS?: number): Group[] {
  return groupRecords(records, (r) => r.worker, durationS);
}

export function byDocType(records: readonly RequestRecord[], durationS?: number): Group[] {
  return groupRecords(records, (r) => r.tags?.docType, durationS);
}

export interface FirstVsLater {
  first: Summary;
  later: Summary;
  /** Mean TTFT of turn 1 over mean TTFT of turns ≥ 2. */
  speedup: number | null;
}

export function firstVsLater(records: readonly RequestRecord[], durationS: number = spanS(records)): FirstVsLater {
  return {
    first: summarize(records.filter((r) => r.turn === 1), durationS, GROUP_SUMMARY),
    later: summarize(records.filter((r) => r.turn > 1), durationS, GROUP_SUMMARY),
    speedup: firstVsLaterSpeedup(records),
  };
}

/** True when some records carry a real key (not only the '-' group) — worth a table or plot. */
export function hasGroups(groups: readonly Group[]): boolean {
  return groups.some((g) => g.key !== NO_GROUP);
}
