/**
 * Reading an experiment folder (docs/DESIGN.md "Results contract"): summary.json and, for each cell, its
 * run folder (relative to the experiment folder). A cell whose run folder is missing keeps the
 * summary from summary.json and has no records. I/O.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Summary } from '../../core/records.ts';
import type { GroundTruth } from '../../core/ground-truth.ts';
import { isDirectory, loadRun, type LoadOptions } from './load-run.ts';
import type { LoadedRun, ParamValue } from './run-data.ts';

export type { ParamValue } from './run-data.ts';

export interface ExperimentCell {
  params: Record<string, ParamValue>;
  runDir: string;
  summary: Summary;
  /** The loaded run folder, or null when it is missing. */
  loaded: LoadedRun | null;
  /** Best case, oracle and regret, when summary.json holds them. */
  groundTruth?: GroundTruth | null;
}

export interface LoadedExperiment {
  dir: string;
  name: string;
  /** An experiment folder (summary.json), or sweep folders of bench runs (load-sweep.ts). */
  kind: 'experiment' | 'sweep';
  clock: string | null;
  /** summary.json's description (what the experiment shows) and notes, when present. */
  description: string | null;
  notes: string[];
  cells: ExperimentCell[];
}

export async function isExperimentDir(dir: string): Promise<boolean> {
  if (!(await isDirectory(dir))) return false;
  try {
    await readFile(join(dir, 'summary.json'));
    return true;
  } catch {
    return false;
  }
}

function experimentName(x: unknown, dir: string): string {
  if (typeof x === 'string' && x.length > 0) return x;
  if (typeof x === 'object' && x !== null && typeof (x as { name?: unknown }).name === 'string') {
    return (x as { name: string }).name;
  }
  return resolve(dir).split(/[\\/]/).pop() ?? dir;
}

export async function loadExperiment(dir: string, opts: LoadOptions = {}): Promise<LoadedExperiment> {
  const path = join(dir, 'summary.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(`not an experiment folder: ${path} cannot be read`);
  }
  let doc: { experiment?: unknown; clock?: unknown; cells?: unknown; description?: unknown; notes?: unknown };
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`${path}: not valid JSON`);
  }
  if (!Array.isArray(doc.cells)) throw new Error(`${path}: has no 'cells' list`);
  const cells: ExperimentCell[] = [];
  for (const [i, c] of (doc.cells as unknown[]).entries()) {
    const cell = c as { params?: unknown; runDir?: unknown; summary?: unknown; groundTruth?: unknown };
    if (typeof cell !== 'object' || cell === null || typeof cell.runDir !== 'string' || typeof cell.summary !== 'object') {
      throw new Error(`${path}: cell ${i} needs params, runDir and summary`);
    }
    const runPath = join(dir, cell.runDir);
    let loaded: LoadedRun | null = null;
    if (await isDirectory(runPath)) {
      try {
        loaded = await loadRun(runPath, opts);
      } catch {
        loaded = null;
      }
    }
    cells.push({
      params: (cell.params ?? {}) as Record<string, ParamValue>,
      runDir: cell.runDir,
      summary: cell.summary as Summary,
      loaded,
      groundTruth: typeof cell.groundTruth === 'object' && cell.groundTruth !== null ? (cell.groundTruth as GroundTruth) : null,
    });
  }
  return {
    dir,
    name: experimentName(doc.experiment, dir),
    kind: 'experiment',
    clock: typeof doc.clock === 'string' ? doc.clock : null,
    description: typeof doc.description === 'string' && doc.description !== '' ? doc.description : null,
    notes: Array.isArray(doc.notes) ? doc.notes.filter((n): n is string => typeof n === 'string') : [],
    cells,
  };
}
