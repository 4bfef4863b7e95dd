/**
 * Reading run folders from disk (the I/O shell of src/analysis/stats): run.json when present and
 * every readable line of requests.jsonl. A folder with neither is an error with a one-line message.
 *
 * `itlGaps: false` (the report's way: it shows only the run's ITL distribution) reads the records
 * without their per-token gaps and takes the run's ITL distribution from run.json's summary, which
 * kvlab computed from these very records when it wrote the run. It does so only when run.json's
 * summary describes the records read (same requests and successes); otherwise — no run.json, a run
 * killed before writing it, a file edited since — the gaps are read after all.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeError } from '../../core/errors.ts';
import type { Dist, RequestRecord, RunFile } from '../../core/records.ts';
import { parseRecords, type ParseOptions } from './parse-records.ts';
import type { LoadedRun } from './run-data.ts';

async function readIfExists(path: string): Promise<string | null>;
async function readIfExists(path: string, bytes: 'bytes'): Promise<Buffer | null>;
async function readIfExists(path: string, bytes?: 'bytes'): Promise<string | Buffer | null> {
  try {
    return bytes ? await readFile(path) : await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export type LoadOptions = ParseOptions;

/** run.json's ITL distribution when its summary describes exactly these records, else null. */
function runFileItl(run: RunFile | null, records: readonly RequestRecord[]): Dist | null {
  const s = run?.summary;
  if (!s || typeof s.itlMs !== 'object' || s.itlMs === null || typeof s.itlMs.count !== 'number') return null;
  let ok = 0;
  for (const r of records) if (r.ok) ok++;
  return s.requests === records.length && s.succeeded === ok ? s.itlMs : null;
}

export async function loadRun(dir: string, opts: LoadOptions = {}): Promise<LoadedRun> {
  if (!(await isDirectory(dir))) throw makeError('bad_input', { detail: `not a run folder: ${dir} does not exist or is not a directory` });
  const runText = await readIfExists(join(dir, 'run.json'));
  // Bytes: parse-records decodes them a line at a time (a long file never becomes one string).
  const recordsText = await readIfExists(join(dir, 'requests.jsonl'), 'bytes');
  if (runText === null && recordsText === null) {
    throw makeError('bad_input', { detail: `not a run folder: ${dir} has neither run.json nor requests.jsonl` });
  }
  let run: RunFile | null = null;
  if (runText !== null) {
    try {
      run = JSON.parse(runText) as RunFile;
    } catch {
      throw new Error(`${join(dir, 'run.json')}: not valid JSON`);
    }
    if (typeof run !== 'object' || run === null || Array.isArray(run)) {
      throw new Error(`${join(dir, 'run.json')}: not a run file object`);
    }
  }
  const source = join(dir, 'requests.jsonl');
  if (opts.itlGaps === false && recordsText !== null) {
    const lean = parseRecords(recordsText, source, { itlGaps: false }).records;
    const itlMs = runFileItl(run, lean);
    if (itlMs) return { dir, run, records: lean, itlMs };
  }
  const records = recordsText === null ? [] : parseRecords(recordsText, source).records;
  return { dir, run, records };
}
