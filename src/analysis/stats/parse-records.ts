/**
 * Parsing of requests.jsonl text into request records. Pure. A run killed mid-way can leave a
 * truncated last line, so an unparsable LAST line is dropped and counted; an unparsable line anywhere
 * else means the file is not a requests.jsonl, which is an error naming the line.
 *
 * `itlGaps: false` reads every record but its ITL gaps (`itlMs` null): a record's gaps — one number
 * per output token — are most of its text and ~85 % of JSON.parse's time. They are cut out of the
 * line before parsing: an unescaped `"itlMs":[` cannot occur inside a JSON string, and the array
 * holds numbers only, so it ends at the next `]`. Given the file's bytes (a Buffer), each line is
 * decoded on its own — and without gaps the ITL bytes never are — so a long file never becomes one
 * string (four 40 MB files read at once were most of a report's peak memory).
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
const ITL_KEY_BYTES = Buffer.from(ITL_KEY);
const NEWLINE = 0x0a;
const CLOSE_BRACKET = 0x5d;

/** The lines of a file, read one at a time (so a long file need not become one string). */
interface Lines {
  count: number;
  /** Line i, without its ITL array when `gaps` is false (replaced by null). */
  at(i: number, gaps: boolean): string;
}

/** The line with its ITL array replaced by null (unchanged when it has none). */
function withoutItlGaps(line: string): string {
  const at = line.indexOf(ITL_KEY);
  if (at < 0) return line;
  const end = line.indexOf(']', at + ITL_KEY.length);
  return end < 0 ? line : `${line.slice(0, at)}"itlMs":null${line.slice(end + 1)}`;
}

function textLines(text: string): Lines {
  const lines = text.split('\n');
  return { count: lines.length, at: (i, gaps) => (gaps ? lines[i] : withoutItlGaps(lines[i])) };
}

/**
 * The lines of a file's bytes, each decoded on its own; without gaps, the bytes of the ITL array are
 * skipped, never decoded (the line's text is what is left of it).
 */
function bufferLines(buf: Buffer): Lines {
  const starts: number[] = [0];
  for (let nl = buf.indexOf(NEWLINE); nl >= 0; nl = buf.indexOf(NEWLINE, nl + 1)) starts.push(nl + 1);
  const endOf = (i: number): number => (i + 1 < starts.length ? starts[i + 1] - 1 : buf.length);
  return {
    count: starts.length,
    at: (i, gaps) => {
      const start = starts[i];
      const end = endOf(i);
      if (!gaps) {
        const key = buf.indexOf(ITL_KEY_BYTES, start);
        if (key >= 0 && key < end) {
          const close = buf.indexOf(CLOSE_BRACKET, key + ITL_KEY_BYTES.length);
          if (close >= 0 && close < end) return `${buf.toString('utf8', start, key)}"itlMs":null${buf.toString('utf8', close + 1, end)}`;
        }
      }
      return buf.toString('utf8', start, end);
    },
  };
}

export function parseRecords(text: string | Buffer, source = 'requests.jsonl', opts: ParseOptions = {}): ParsedRecords {
  const gaps = opts.itlGaps ?? true;
  const lines = typeof text === 'string' ? textLines(text) : bufferLines(text);
  let last = lines.count - 1;
  while (last >= 0 && lines.at(last, true).trim() === '') last--;
  const records: RequestRecord[] = [];
  let droppedLines = 0;
  for (let i = 0; i <= last; i++) {
    const line = lines.at(i, gaps).trim();
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
