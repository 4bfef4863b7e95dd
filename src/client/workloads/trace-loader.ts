/**
 * Mooncake trace files (JSONL, one request per line: `timestamp` ms, `input_length`,
 * `output_length`, `hash_ids`): a pure parser with line-numbered errors, and the loader that reads a
 * file. Extra fields (aiperf's session_id, delay, ...) are ignored; lengths are rounded to integers
 * and an `output_length` of 0 becomes 1 (a request must ask for at least one token).
 */
import { fileURLToPath } from 'node:url';
import { makeError } from '../../core/errors.ts';
import { readTextFile } from './file-io.ts';

export interface TraceRow {
  /** Arrival time, ms since the trace's start. */
  timestamp: number;
  input_length: number;
  output_length: number;
  /** One id per block of the prompt; equal leading ids = equal prefix. */
  hash_ids: number[];
}

/** The public Mooncake FAST'25 trace shipped with the project (data/mooncake). */
export const DEFAULT_TRACE_FILE = fileURLToPath(new URL('../../../data/mooncake/synthetic_trace.jsonl', import.meta.url));

function bad(source: string, line: number, detail: string): never {
  throw makeError('invalid_config', { path: `${source} line ${line}`, detail });
}

function field(o: Record<string, unknown>, name: string, source: string, line: number, min: number): number {
  const v = o[name];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    bad(source, line, `"${name}" must be a number ≥ ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Parse JSONL text into rows; blank lines are skipped; `source` names the file in errors. */
export function parseTraceJsonl(text: string, source = 'trace'): TraceRow[] {
  const rows: TraceRow[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    let o: unknown;
    try {
      o = JSON.parse(raw);
    } catch (err) {
      bad(source, i + 1, `not valid JSON (${(err as Error).message})`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) bad(source, i + 1, 'expected a JSON object');
    const rec = o as Record<string, unknown>;
    const ids = rec.hash_ids ?? [];
    if (!Array.isArray(ids) || !ids.every((x) => Number.isSafeInteger(x) && (x as number) >= 0)) {
      bad(source, i + 1, '"hash_ids" must be a list of non-negative integers');
    }
    rows.push({
      timestamp: field(rec, 'timestamp', source, i + 1, 0),
      input_length: Math.round(field(rec, 'input_length', source, i + 1, 1)),
      output_length: Math.max(1, Math.round(field(rec, 'output_length', source, i + 1, 0))),
      hash_ids: ids as number[],
    });
  }
  return rows;
}

export async function loadTrace(file: string = DEFAULT_TRACE_FILE): Promise<TraceRow[]> {
  return parseTraceJsonl(await readTextFile(file), file);
}
