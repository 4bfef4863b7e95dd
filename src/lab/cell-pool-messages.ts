/**
 * What a cell thread (cell-pool-main.ts) tells the main thread (cell-pool.ts), and errors as data:
 * an error does not cross a thread boundary with its class, so it goes as fields and is rebuilt.
 * A module of its own so that a thread does not load the pool's side (esbuild, ~0.1 s per thread).
 */
import { KvlabError, type ErrorCode } from '../core/errors.ts';
import { ExperimentFileError } from './experiment-file.ts';
import type { VirtualJobResult } from './virtual-cell-job.ts';

/** An error as data (errors do not cross a thread boundary with their class). */
export interface ErrorData {
  name: string;
  message: string;
  code?: ErrorCode;
  status?: number;
  type?: string;
  param?: string | null;
}

export type FromCellThread =
  | { index: number; kind: 'start' }
  | { index: number; kind: 'built' }
  | { index: number; kind: 'done'; result: VirtualJobResult }
  | { index: number; kind: 'error'; error: ErrorData }
  | { index: -1; kind: 'finished' };

export function errorToData(err: unknown): ErrorData {
  if (err instanceof KvlabError) return { name: err.name, message: err.message, code: err.code, status: err.status, type: err.type, param: err.param };
  return { name: 'Error', message: err instanceof Error ? err.message : String(err) };
}

/** The error again, with its class (experiment-file and kvlab errors keep their exit codes). */
export function errorFromData(e: ErrorData): Error {
  if (e.name === 'ExperimentFileError') return new ExperimentFileError(e.message, e.param ?? null);
  if (e.code !== undefined) return new KvlabError(e.code, e.message, e.status ?? 1, e.type ?? 'cli_error', e.param ?? null);
  return new Error(e.message);
}

