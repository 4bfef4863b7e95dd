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
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeError } from '../../core/errors.ts';
import type { Dist, RequestRecord, RunFile } from '../../core/records.ts';
import { RecordChunkParser, type ParsedRecords, type ParseOptions } from './parse-records.ts';
import type { LoadedRun } from './run-data.ts';

/** Bytes read at a time from requests.jsonl. */
const CHUNK_BYTES = 8 << 20;

/** requests.jsonl's records, read chunk by chunk (parse-records.ts); null when there is no such file. */
async function readRecords(path: string, gaps: boolean): Promise<ParsedRecords | null> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const parser = new RecordChunkParser(path, gaps);
    const buf = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      parser.chunk(buf.subarray(0, bytesRead));
    }
    return parser.end();
  } finally {
    await file.close();
  }
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
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
  const lean = opts.itlGaps === false;
  const first = await readRecords(source, !lean);
  if (runText === null && first === null) {
    throw makeError('bad_input', { detail: `not a run folder: ${dir} has neither run.json nor requests.jsonl` });
  }
  if (first === null) return { dir, run, records: [] };
  if (!lean) return { dir, run, records: first.records };
  const itlMs = runFileItl(run, first.records);
  if (itlMs) return { dir, run, records: first.records, itlMs };
  // run.json does not describe these records: read them again, gaps and all.
  const records = (await readRecords(source, true))?.records ?? [];
  return { dir, run, records };
}
