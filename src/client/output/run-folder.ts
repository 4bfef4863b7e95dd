/**
 * A run folder (docs/DESIGN.md "Results contract"): requests.jsonl gets one line per request as each one
 * completes (a synchronous write per line, so a killed run leaves every finished request on disk),
 * and run.json is written atomically at the end (temporary file + rename: readers never see half).
 */
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const REQUESTS_FILE = 'requests.jsonl';
export const RUN_FILE = 'run.json';

/** Write JSON to `path` via a temporary file and a rename. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}

export class RunFolder {
  private fd: number | null;

  private constructor(readonly dir: string, fd: number) {
    this.fd = fd;
  }

  /** Create the folder (and parents) and start a fresh requests.jsonl. */
  static open(dir: string): RunFolder {
    try {
      mkdirSync(dir, { recursive: true });
      return new RunFolder(dir, openSync(join(dir, REQUESTS_FILE), 'w'));
    } catch (err) {
      throw new Error(`cannot write the run folder ${dir}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  append(record: object): void {
    if (this.fd === null) throw new Error('run folder is closed');
    writeSync(this.fd, JSON.stringify(record) + '\n');
  }

  writeRunFile(run: object): void {
    writeJsonAtomic(join(this.dir, RUN_FILE), run);
  }

  /** Write another file of the run (JSON, atomically). */
  writeJson(name: string, value: unknown): void {
    writeJsonAtomic(join(this.dir, name), value);
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}
