/**
 * The file reading shared by the workload loaders (the generators themselves do no I/O): failures
 * become `io_error` KvlabErrors naming the path and the system error code, so the CLI prints one line.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { makeError } from '../../core/errors.ts';

function ioError(action: string, path: string, err: unknown): never {
  const detail = (err as NodeJS.ErrnoException)?.code ?? (err instanceof Error ? err.message : String(err));
  throw makeError('io_error', { action, path, detail }, { cause: err });
}

export async function readTextFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    ioError('read', path, err);
  }
}

export async function readDirEntries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    ioError('list', dir, err);
  }
}
