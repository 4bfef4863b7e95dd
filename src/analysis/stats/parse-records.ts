/**
 * Parsing of requests.jsonl text into request records. Pure. A run killed mid-way can leave a
 * truncated last line, so an unparsable LAST line is dropped and counted; an unparsable line anywhere
 * else means the file is not a requests.jsonl, which is an error naming the line.
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

export function parseRecords(text: string, source = 'requests.jsonl'): ParsedRecords {
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
      parsed = JSON.parse(line);
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
