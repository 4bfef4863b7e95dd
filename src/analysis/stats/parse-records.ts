/**
 * Parsing of requests.jsonl text into request records. Pure. A run killed mid-way can leave a
 * truncated last line, so an unparsable LAST line is dropped and counted; an unparsable line anywhere
 * else means the file is not a requests.jsonl, which is an error naming the line.
 *
 * `itlGaps: false` reads every record but its ITL gaps (`itlMs` null): a record's gaps — one number
 * per output token — are most of its text and ~85 % of JSON.parse's time. They are cut out of the
 * line before parsing: an unescaped `"itlMs":[` cannot occur inside a JSON string, and the array
 * holds numbers only, so it ends at the next `]`. From bytes (RecordChunkParser, what load-run.ts
 * feeds a file through, chunk by chunk), each line is decoded on its own — and without gaps the ITL
 * bytes never are — so a long file never becomes one string or one buffer (four 40 MB files read at
 * once were most of a report's peak memory; a file over 2 GiB cannot be read whole at all).
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

const ITL_KEY_BYTES = Buffer.from('"itlMs":[');
const NEWLINE = 0x0a;
const CLOSE_BRACKET = 0x5d;

/** Bytes [start, end) of a line as text; without gaps, the bytes of its ITL array are skipped, never decoded. */
function decodeLine(buf: Buffer, start: number, end: number, gaps: boolean): string {
  if (!gaps) {
    const key = buf.indexOf(ITL_KEY_BYTES, start);
    if (key >= 0 && key < end) {
      const close = buf.indexOf(CLOSE_BRACKET, key + ITL_KEY_BYTES.length);
      if (close >= 0 && close < end) return `${buf.toString('utf8', start, key)}"itlMs":null${buf.toString('utf8', close + 1, end)}`;
    }
  }
  return buf.toString('utf8', start, end);
}

/**
 * Records from lines given one at a time, in order. A line that fails is an error only once another
 * non-blank line follows it (then it was not the last); at the end, a failed last line is dropped.
 */
export class RecordLineParser {
  private readonly records: RequestRecord[] = [];
  private failed: string | null = null;
  private lineNo = 0;

  constructor(private readonly source = 'requests.jsonl') {}

  line(text: string): void {
    this.lineNo++;
    const line = text.trim();
    if (line === '') return;
    if (this.failed !== null) throw new Error(this.failed);
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.failed = `${this.source}:${this.lineNo}: not valid JSON`;
      return;
    }
    if (!isRecord(parsed)) {
      this.failed = `${this.source}:${this.lineNo}: not a request record (needs turn, sentAtMs, ok)`;
      return;
    }
    this.records.push(parsed);
  }

  end(): ParsedRecords {
    return { records: this.records, droppedLines: this.failed !== null ? 1 : 0 };
  }
}

/**
 * Feeds a file's bytes, chunk by chunk, to a RecordLineParser: each line is decoded on its own (a
 * line split over two chunks is joined first), so no whole-file string or buffer is ever made.
 */
export class RecordChunkParser {
  private carry: Buffer | null = null;
  private readonly lines: RecordLineParser;

  constructor(
    source = 'requests.jsonl',
    private readonly gaps = true,
  ) {
    this.lines = new RecordLineParser(source);
  }

  chunk(buf: Buffer): void {
    let start = 0;
    let nl = buf.indexOf(NEWLINE);
    if (this.carry !== null) {
      if (nl < 0) {
        this.carry = Buffer.concat([this.carry, buf]);
        return;
      }
      const joined = Buffer.concat([this.carry, buf.subarray(0, nl + 1)]);
      this.carry = null;
      this.lines.line(decodeLine(joined, 0, joined.length - 1, this.gaps));
      start = nl + 1;
      nl = buf.indexOf(NEWLINE, start);
    }
    for (; nl >= 0; nl = buf.indexOf(NEWLINE, start)) {
      this.lines.line(decodeLine(buf, start, nl, this.gaps));
      start = nl + 1;
    }
    if (start < buf.length) this.carry = Buffer.from(buf.subarray(start));
  }

  end(): ParsedRecords {
    if (this.carry !== null) this.lines.line(decodeLine(this.carry, 0, this.carry.length, this.gaps));
    this.carry = null;
    return this.lines.end();
  }
}

/** Records of a whole requests.jsonl (text or bytes), as RecordChunkParser reads a file. */
export function parseRecords(text: string | Buffer, source = 'requests.jsonl', opts: ParseOptions = {}): ParsedRecords {
  const p = new RecordChunkParser(source, opts.itlGaps ?? true);
  p.chunk(typeof text === 'string' ? Buffer.from(text) : text);
  return p.end();
}
