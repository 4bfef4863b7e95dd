import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment, type ExperimentProgress } from '../../src/lab/run-experiment.ts';
import { ExperimentFileError } from '../../src/lab/experiment-file.ts';
import { KvlabError } from '../../src/core/errors.ts';
import { errorFromData, errorToData, nextCell } from '../../src/lab/cell-pool.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-parallel-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Six small cells: two routers × three prefix ratios, on three workers. */
const sweep = {
  name: 'sweep',
  cluster: { numWorkers: 3, router: { mode: 'kv' } },
  workload: { kind: 'prefix-ratio', isl: 600, osl: 8, requests: 24, numPrefixPrompts: 3, concurrency: 4 },
  matrix: { 'router.mode': ['kv', 'round-robin'], 'workload.prefixRatio': [0.2, 0.5, 0.8] },
  seed: 3,
};

const readJson = (path: string): any => JSON.parse(readFileSync(path, 'utf8'));
const runDirs = (dir: string): string[] => readdirSync(dir).filter((f) => statSync(join(dir, f)).isDirectory()).sort();
/** summary.json without its wall-clock start time. */
const cellsOf = (dir: string): unknown => readJson(join(dir, 'summary.json')).cells;

describe('kvlab experiment --jobs on the virtual clock', () => {
  it('writes byte-identical records and the same summary with --jobs 2 as with --jobs 1, cells in matrix order', async () => {
    const one = join(root, 'one');
    const two = join(root, 'two');
    const events: ExperimentProgress[] = [];
    await runExperiment({ experiment: sweep, clock: 'virtual', outDir: one, jobs: 1, report: false });
    const result = await runExperiment({ experiment: sweep, clock: 'virtual', outDir: two, jobs: 2, report: false, onProgress: (e) => events.push(e) });
    expect(result.cells).toHaveLength(6);
    expect(runDirs(two)).toEqual(runDirs(one));
    for (const d of runDirs(one)) {
      expect(readFileSync(join(two, d, 'requests.jsonl'), 'utf8')).toBe(readFileSync(join(one, d, 'requests.jsonl'), 'utf8'));
      expect(readJson(join(two, d, 'run.json')).summary).toEqual(readJson(join(one, d, 'run.json')).summary);
    }
    expect(cellsOf(two)).toEqual(cellsOf(one));
    // Every cell's ground truth (oracle twins run in the cell threads) is there, as with --jobs 1.
    expect((cellsOf(two) as { groundTruth?: { oracle: { hitRatio: number | null } | null } }[]).every((c) => c.groundTruth?.oracle?.hitRatio != null)).toBe(true);
    // Two threads: two cells run at once, never more (a cell's thread is done with it at `cell-ran`; its
    // line, `cell`, may follow later, once its ground truth is in).
    const running = new Set<number>();
    let most = 0;
    for (const e of events) {
      if (e.kind === 'cell-start') running.add(e.index);
      if (e.kind === 'cell-ran') running.delete(e.index);
      if (e.kind === 'cell') expect(running.has(e.index)).toBe(false);
      most = Math.max(most, running.size);
    }
    expect(most).toBe(2);
  });

  it('Ctrl-C keeps the finished cells and removes the folders of the unfinished ones', async () => {
    const out = join(root, 'abort');
    const ac = new AbortController();
    const result = await runExperiment({
      experiment: sweep,
      clock: 'virtual',
      outDir: out,
      jobs: 2,
      report: false,
      signal: ac.signal,
      onProgress: (e) => {
        if (e.kind === 'cell') ac.abort();
      },
    });
    expect(result.interrupted).toBe(true);
    expect(result.cells.length).toBeGreaterThanOrEqual(1);
    expect(result.cells.length).toBeLessThan(6);
    expect(runDirs(out)).toEqual(result.cells.map((c) => c.runDir).sort());
    for (const c of result.cells) expect(existsSync(join(out, c.runDir, 'run.json'))).toBe(true);
    expect(result.summary.notes.some((n) => n.startsWith(`interrupted: ${result.cells.length} of 6 cells ran`))).toBe(true);
  });

  it('an experiment-file error from a worker thread keeps its class and field (exit 2, not a crash)', () => {
    const back = errorFromData(errorToData(new ExperimentFileError("field 'workload.prefixRatio': must be at most 1", 'workload.prefixRatio')));
    expect(back).toBeInstanceOf(ExperimentFileError);
    expect((back as ExperimentFileError).param).toBe('workload.prefixRatio');
    expect((back as ExperimentFileError).status).toBe(2);
    const other = errorFromData(errorToData(new RangeError('boom')));
    expect(other).not.toBeInstanceOf(KvlabError);
    expect(other.message).toBe('boom');
  });

  it('refuses --jobs 0', async () => {
    const err = await runExperiment({ experiment: sweep, clock: 'virtual', outDir: join(root, 'zero'), jobs: 0, report: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KvlabError);
    expect((err as KvlabError).message).toMatch(/--jobs/);
  });
});

describe('cell dispatch by workload', () => {
  const groups = ['a', 'a', 'b', 'b', 'c', 'c'];
  it('gives a thread the next cell of the workload it built, else a workload nobody started, else the first waiting', () => {
    const waiting = [false, true, false, true, true, true];
    // Thread that ran 'a' takes cell 1 ('a'); a thread that ran 'b' takes cell 3.
    expect(nextCell(waiting, groups, 'a', new Set(['a', 'b']))).toBe(1);
    expect(nextCell(waiting, groups, 'b', new Set(['a', 'b']))).toBe(3);
    // A new thread takes a workload no thread has started ('c'), not the waiting half of 'a'.
    expect(nextCell(waiting, groups, null, new Set(['a', 'b']))).toBe(4);
    // Nothing of its own or fresh left: the first waiting cell.
    expect(nextCell([false, true, false, false, false, false], groups, 'c', new Set(['a', 'b', 'c']))).toBe(1);
    expect(nextCell(groups.map(() => false), groups, 'a', new Set(['a']))).toBe(-1);
  });
});
