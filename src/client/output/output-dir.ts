/**
 * Where a run's results go, so that no run is overwritten silently: a folder the user names must be
 * new or empty, unless they say `overwrite`; a run given no folder gets a new timestamped one under
 * results/ (`results/<name>-YYYYMMDD-HHMMSS`, with `-2`, `-3`… when that name is taken). The lab's
 * experiments take their default folders from here too.
 *
 * Overwriting removes what kvlab wrote there before — run files (requests.jsonl, run.json), an
 * experiment's (summary.json, experiment.json), a report (report.html and its .svg/.png plots) — in
 * the folder and in every sub-folder that is itself a run or an experiment (a prefix-ratio sweep's
 * runs, an experiment's cells, a demo's experiments), then the folders this leaves empty: the new run
 * is never read together with the old one's leftovers. Any other file stays where it is.
 */
import { existsSync, readdirSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { makeError } from '../../core/errors.ts';

/** The folder runs go to when none is given, relative to the working directory. */
export const RESULTS_DIR = 'results';

const RUN_FILES = new Set(['requests.jsonl', 'run.json', 'summary.json', 'experiment.json', 'report.html']);
const PLOT_EXTENSIONS = new Set(['.svg', '.png']);

/** `YYYYMMDD-HHMMSS` in local time. */
export function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** A new folder for a run named `name`: `<root>/<name>-<timestamp>`, suffixed until no such path exists. */
export function timestampedDir(name: string, now: Date = new Date(), root: string = RESULTS_DIR): string {
  const base = resolve(root, `${name}-${timestamp(now)}`);
  let dir = base;
  for (let k = 2; existsSync(dir); k++) dir = `${base}-${k}`;
  return dir;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A folder kvlab wrote: it holds a run's or an experiment's own files. */
function isKvlabDir(path: string): boolean {
  return ['run.json', 'requests.jsonl', 'summary.json', 'experiment.json'].some((f) => existsSync(join(path, f)));
}

/**
 * Remove kvlab's files from `dir` when it is kvlab's (`own`), look into every sub-folder the same way,
 * and remove the sub-folders left empty. Returns how many entries are left in `dir`.
 */
function clean(dir: string, own: boolean): number {
  let left = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (isDir(path)) {
      if (clean(path, isKvlabDir(path)) === 0) rmdirSync(path);
      else left++;
    } else if (own && (RUN_FILES.has(name) || PLOT_EXTENSIONS.has(extname(name).toLowerCase()))) {
      unlinkSync(path);
    } else {
      left++;
    }
  }
  return left;
}

/**
 * Make `dir` ready for a new run named by `flag`: refused (a usage error naming the flag) when it
 * already holds something, unless `overwrite`, which clears the previous run's files first.
 */
export function claimOutputDir(dir: string, overwrite: boolean, flag = '--output'): void {
  if (!existsSync(dir)) return;
  if (!isDir(dir)) throw makeError('bad_flag', { flag, detail: `${dir} exists and is not a folder` });
  const entries = readdirSync(dir);
  if (entries.length === 0) return;
  if (!overwrite) {
    const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
    throw makeError('bad_flag', { flag, detail: `${dir} already holds a run (${shown}): give --overwrite to replace it, or another folder` });
  }
  // The folder the user names for a run is taken as kvlab's.
  clean(dir, true);
}
