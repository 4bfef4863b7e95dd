/**
 * Whether a run failed: the share of its requests that failed against the limit the user accepts
 * (`--max-failed-share`, default 5 %: a run where every request failed, or one in twenty, is not a
 * measurement of the server's speed), and the breakdown the summary shows first — per error kind
 * (core/summary's errorKey: `http_400`, or the stream error's message) its count and one full message.
 * Pure.
 */
import { errorKey } from '../../core/summary.ts';
import type { RequestRecord } from '../../core/records.ts';
import type { RecordSource } from '../../core/record-source.ts';
import { DEFAULT_MAX_FAILED_SHARE } from '../bench-defaults.ts';

export { DEFAULT_MAX_FAILED_SHARE };

export interface FailureKind {
  error: string;
  count: number;
  /** The first such request's error message. */
  example: string;
}

export interface FailureCheck {
  requests: number;
  failed: number;
  /** failed / requests; null without requests. */
  share: number | null;
  maxShare: number;
  /** share ≤ maxShare (true without requests). */
  ok: boolean;
  /** By error kind, most frequent first. */
  byError: FailureKind[];
}

export function checkFailures(records: RecordSource<RequestRecord>, maxShare: number = DEFAULT_MAX_FAILED_SHARE): FailureCheck {
  const kinds = new Map<string, FailureKind>();
  let failed = 0;
  for (const r of records) {
    if (r.ok) continue;
    failed++;
    const key = errorKey(r);
    const k = kinds.get(key);
    if (k) k.count++;
    else kinds.set(key, { error: key, count: 1, example: r.error ?? 'unknown error' });
  }
  const share = records.length > 0 ? failed / records.length : null;
  return {
    requests: records.length,
    failed,
    share,
    maxShare,
    ok: share === null || share <= maxShare,
    byError: [...kinds.values()].sort((a, b) => b.count - a.count || a.error.localeCompare(b.error)),
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** One line: how many failed, against the limit. */
export function failureHeadline(c: FailureCheck): string {
  const share = c.share === null ? '-' : pct(c.share);
  return `${c.failed} of ${c.requests} requests failed (${share}; limit ${pct(c.maxShare)}, --max-failed-share)`;
}

/** The breakdown's lines: kind, count, an example message (cut to `width` characters). */
export function failureLines(c: FailureCheck, width = 160): string[][] {
  return c.byError.map((k) => [k.error, `×${k.count}`, k.example.length > width ? `${k.example.slice(0, width - 1)}…` : k.example]);
}
