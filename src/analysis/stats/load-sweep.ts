/**
 * A sweep folder: what `kvlab bench prefix-ratio --prefix-ratios … --output DIR` writes — no run.json,
 * requests.jsonl or summary.json of its own, one run folder per setting (`DIR/prefix-ratio-0.5/`).
 * It is read as an experiment whose cells are those runs: a cell's parameters are the workload
 * parameters (run.json `config.params`, as `workload.<name>`) that differ between the runs, so the
 * report draws the sweep plot over them (prefix ratio by default) and tabulates the runs as cells.
 * A parameter that varies in lockstep with an earlier one (prefix-ratio's `prefixTokens` =
 * isl · ratio) is left out of the cells. Several sweep folders make one sweep with a `run`
 * parameter (the folder's name), one line per folder: `kvlab report results/kv results/rr`.
 * Loading is I/O; `sweepExperiment` is pure.
 */
import { access, readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { summarizeRun } from './run-stats.ts';
import { isDirectory, loadRun, type LoadOptions } from './load-run.ts';
import type { ExperimentCell, LoadedExperiment } from './load-experiment.ts';
import { runClock, runDurationS, uniqueNames, type LoadedRun, type ParamValue } from './run-data.ts';

/** The parameter that names each sweep folder when several are reported together. */
export const SWEEP_RUN_PARAM = 'run';

const OWN_FILES = ['run.json', 'requests.jsonl', 'summary.json'];

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function isRunDir(dir: string): Promise<boolean> {
  return (await exists(join(dir, 'run.json'))) || (await exists(join(dir, 'requests.jsonl')));
}

/** The run folders directly under `dir`, by name (numbers in names compared as numbers). */
async function subRunDirs(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  const runs: string[] = [];
  for (const n of names.sort(new Intl.Collator('en', { numeric: true }).compare)) if (await isRunDir(join(dir, n))) runs.push(n);
  return runs;
}

/** A folder that is neither a run nor an experiment, with at least one run folder in it. */
export async function isSweepDir(dir: string): Promise<boolean> {
  if (!(await isDirectory(dir))) return false;
  for (const f of OWN_FILES) if (await exists(join(dir, f))) return false;
  return (await subRunDirs(dir)).length > 0;
}

export interface SweepGroup {
  /** The sweep folder. */
  dir: string;
  name: string;
  /** Its runs, each with its folder name under `dir`. */
  runs: Array<{ sub: string; loaded: LoadedRun }>;
}

function isParamValue(v: unknown): v is ParamValue {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** The run's workload parameters (run.json `config.params`), as `workload.<name>`. */
function workloadParams(run: LoadedRun): Record<string, ParamValue> {
  const params = (run.run?.config as { params?: unknown } | undefined)?.params;
  const out: Record<string, ParamValue> = {};
  if (typeof params !== 'object' || params === null) return out;
  for (const [k, v] of Object.entries(params)) if (isParamValue(v)) out[`workload.${k}`] = v;
  return out;
}

/** True when each value of `a` goes with one value of `b` and back (b adds nothing to a). */
function lockstep(rows: ReadonlyArray<Record<string, ParamValue>>, a: string, b: string): boolean {
  const ab = new Map<ParamValue | undefined, ParamValue | undefined>();
  const ba = new Map<ParamValue | undefined, ParamValue | undefined>();
  for (const r of rows) {
    if (ab.has(r[a]) && ab.get(r[a]) !== r[b]) return false;
    if (ba.has(r[b]) && ba.get(r[b]) !== r[a]) return false;
    ab.set(r[a], r[b]);
    ba.set(r[b], r[a]);
  }
  return true;
}

/** The keys whose values differ between rows, in first-seen order, without lockstep repeats. */
function varyingKeys(rows: ReadonlyArray<Record<string, ParamValue>>): string[] {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const varying = keys.filter((k) => new Set(rows.map((r) => r[k])).size > 1);
  return varying.filter((k, i) => !varying.slice(0, i).some((earlier) => lockstep(rows, earlier, k)));
}

function compareValues(a: ParamValue | undefined, b: ParamValue | undefined): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a ?? '').localeCompare(String(b ?? ''), 'en', { numeric: true });
}

/** Sweep folders' runs as experiment cells (see the module comment). Pure. */
export function sweepExperiment(groups: readonly SweepGroup[]): LoadedExperiment {
  if (groups.length === 0) throw new Error('a sweep needs at least one folder');
  const several = groups.length > 1;
  const names = uniqueNames(groups.map((g) => g.name));
  const items = groups.flatMap((g, gi) =>
    g.runs.map(({ sub, loaded }) => ({
      group: g,
      sub,
      loaded,
      all: { ...(several ? { [SWEEP_RUN_PARAM]: names[gi] } : {}), ...workloadParams(loaded) } as Record<string, ParamValue>,
    })),
  );
  const keys = varyingKeys(items.map((i) => i.all));
  if (several && !keys.includes(SWEEP_RUN_PARAM)) keys.unshift(SWEEP_RUN_PARAM);
  const cells: ExperimentCell[] = items.map((i) => {
    const params: Record<string, ParamValue> = {};
    for (const k of keys) if (i.all[k] !== undefined) params[k] = i.all[k];
    const summary = i.loaded.run?.summary ?? summarizeRun(i.loaded.records, runDurationS(i.loaded)).summary;
    return { params, runDir: several ? join(i.group.dir, i.sub) : i.sub, summary, loaded: i.loaded };
  });
  // In sweep order: by each parameter in turn (numbers as numbers), then by folder.
  const order = cells.map((c, i) => ({ c, i }));
  order.sort((x, y) => {
    for (const k of keys) {
      const d = compareValues(x.c.params[k], y.c.params[k]);
      if (d !== 0) return d;
    }
    return x.i - y.i;
  });
  const clocks = new Set(items.map((i) => runClock(i.loaded)));
  return {
    dir: groups[0].dir,
    name: names.join(' vs '),
    kind: 'sweep',
    clock: clocks.size === 1 ? [...clocks][0] : null,
    description: null,
    notes: [],
    cells: order.map((o) => o.c),
  };
}

/** Load sweep folders (isSweepDir) and read them as one sweep. */
export async function loadSweep(dirs: readonly string[], opts: LoadOptions = {}): Promise<LoadedExperiment> {
  const groups: SweepGroup[] = [];
  for (const dir of dirs) {
    const subs = await subRunDirs(dir);
    if (subs.length === 0) throw new Error(`not a sweep folder: ${dir} has no run folders in it`);
    const runs = await Promise.all(subs.map(async (sub) => ({ sub, loaded: await loadRun(join(dir, sub), opts) })));
    groups.push({ dir, name: basename(resolve(dir)), runs });
  }
  return sweepExperiment(groups);
}
