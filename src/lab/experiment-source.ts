/**
 * Where experiments come from: the project's shipped experiments (experiments/*.json, listed by name
 * and description) and files on disk. `FILE` on the command line may be a path or a shipped name.
 * Reading and JSON parsing live here; validation is experiment-file.ts's.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeError } from '../core/errors.ts';
import { ExperimentFileError, parseExperiment, type Experiment } from './experiment-file.ts';
import { experimentDescription } from './experiment-description.ts';

/** The shipped experiments folder (experiments/ at the project root). */
export const SHIPPED_DIR = fileURLToPath(new URL('../../experiments/', import.meta.url));

export interface LoadedExperimentFile {
  experiment: Experiment;
  /** Absolute path of the file. */
  path: string;
  /** Folder that relative paths inside the file resolve against. */
  baseDir: string;
}

export interface ShippedExperiment {
  name: string;
  description: string;
  source: string | null;
  path: string;
}

/** Parse and validate one experiment file; errors name the file and the bad field. */
export function readExperimentFile(path: string): LoadedExperimentFile {
  const abs = resolve(path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw makeError('io_error', { action: 'read', path: abs, detail: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ExperimentFileError(`${abs}: not valid JSON (${(err as Error).message})`);
  }
  return { experiment: parseExperiment(raw, abs), path: abs, baseDir: dirname(abs) };
}

/** Every shipped experiment, by name. */
export function listShipped(dir: string = SHIPPED_DIR): ShippedExperiment[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  return files.map((f) => {
    const { experiment, path } = readExperimentFile(resolve(dir, f));
    return { name: experiment.name, description: experimentDescription(experiment), source: experiment.source ?? null, path };
  });
}

/**
 * A path (when it exists, or looks like one) or a shipped experiment's name → the file's path.
 * An unknown name lists the shipped ones.
 */
export function resolveExperimentPath(fileOrName: string, dir: string = SHIPPED_DIR): string {
  if (existsSync(fileOrName) && statSync(fileOrName).isFile()) return resolve(fileOrName);
  const looksLikePath = fileOrName.includes('/') || fileOrName.includes('\\') || fileOrName.endsWith('.json');
  const shipped = resolve(dir, `${basename(fileOrName, '.json')}.json`);
  if (!looksLikePath && existsSync(shipped)) return shipped;
  const names = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => basename(f, '.json')) : [];
  throw new ExperimentFileError(`${fileOrName}: no such file${looksLikePath ? '' : ` or shipped experiment (shipped: ${names.join(', ')})`}`);
}

export function loadExperimentFile(fileOrName: string, dir: string = SHIPPED_DIR): LoadedExperimentFile {
  return readExperimentFile(resolveExperimentPath(fileOrName, dir));
}
