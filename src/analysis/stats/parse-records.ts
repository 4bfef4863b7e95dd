/**
 * Parsing of requests.jsonl text into request records. Pure. A run killed mid-way can leave a
 * truncated last line, so an unparsable LAST line is dropped and counted; an unparsable line anywhere
 * else means the file is not a requests.jsonl, which is an error naming the line.
 *
 * `itlGaps: false` reads every record but its ITL gaps (`itlMs` null): a record's gaps — one number
 * per output token — are most of its text and ~85 % of JSON.parse's time. They are cut out of the
 * line before parsing: an unescaped `"itlMs":[` cannot occur inside a JSON string, and the array
 * holds numbers only, so it ends at the next `]`.
 */
import type { RequestRecord } from '../../core/records.ts';

export interface ParsedRecords {
  records: RequestRecord[];
  /** 1 when a truncated last line was dropped, else 0. */
  droppedLines: number;
}

function isRecord(x: unknown): x is RequestRecord {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return typeof r.turn === 'number' && typeof r.sentAtMs === 'number' && typeof r.ok === 'boolean';
}

export interface ParseOptions {
  /** Keep each record's ITL gaps (default true). */
  itlGaps?: boolean;
}

const ITL_KEY = '"itlMs":[';

/** The line with its ITL array replaced by null (unchanged when it has none). */
function withoutItlGaps(line: string): string {
  const at = line.indexOf(ITL_KEY);
  if (at < 0) return line;
  const end = line.indexOf(']', at + ITL_KEY.length);
  return end < 0 ? line : `${line.slice(0, at)}"itlMs":null${line.slice(end + 1)}`;
}

export function parseRecords(text: string, source = 'requests.jsonl', opts: ParseOptions = {}): ParsedRecords {
  const gaps = opts.itlGaps ?? true;
  const lines = text.split('\n');
  let last = lines.length - 1;
  while (last >= 0 && lines[last].trim() === '') last--;
  const records: RequestRecord[] = [];
  let droppedLines = 0;
  for (let i = 0; i <= last; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(gaps ? line : withoutItlGaps(line));
    } catch {
      if (i === last) {
        droppedLines = 1;
        continue;
      }
      throw new Error(`${source}:${i + 1}: not valid JSON`);
    }
    if (!isRecord(parsed)) {
      if (i === last) {
        droppedLines = 1;
        continue;
      }
      throw new Error(`${source}:${i + 1}: not a request record (needs turn, sentAtMs, ok)`);
    }
    records.push(parsed);
  }
  return { records, droppedLines };
}
