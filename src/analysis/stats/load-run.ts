/**
 * Reading run folders from disk (the I/O shell of src/analysis/stats): run.json when present and
 * every readable line of requests.jsonl. A folder with neither is an error with a one-line message.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeError } from '../../core/errors.ts';
import type { RunFile } from '../../core/records.ts';
import { parseRecords } from './parse-records.ts';
import type { LoadedRun } from './run-data.ts';

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

export async function loadRun(dir: string): Promise<LoadedRun> {
  if (!(await isDirectory(dir))) throw makeError('bad_input', { detail: `not a run folder: ${dir} does not exist or is not a directory` });
  const runText = await readIfExists(join(dir, 'run.json'));
  const recordsText = await readIfExists(join(dir, 'requests.jsonl'));
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
  const records = recordsText === null ? [] : parseRecords(recordsText, join(dir, 'requests.jsonl')).records;
  return { dir, run, records };
}
