import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment, type ExperimentProgress } from '../../src/lab/run-experiment.ts';
import { KvlabError } from '../../src/core/errors.ts';
import { runCells } from '../../src/lab/cell-pool.ts';
import { errorFromData, errorToData } from '../../src/lab/cell-pool-messages.ts';
import { WorkloadCache, type WorkloadRequest } from '../../src/lab/cell-workload.ts';
import { ExperimentFileError, expandMatrix, parseExperiment } from '../../src/lab/experiment-file.ts';
import type { VirtualCellJob } from '../../src/lab/virtual-cell-job.ts';
import { cellLabel } from '../../src/lab/experiment-summary.ts';
import { OracleTwins, type Twin } from '../../src/lab/oracle-twin.ts';
import { resolveCluster } from '../../src/lab/cluster-settings.ts';
import type { Workload } from '../../src/client/workloads/types.ts';
import { CellBoard, nextCell } from '../../src/lab/cell-board.ts';

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
    // Every cell's ground truth (oracle twins are jobs of their own, run by any runner) is there, as with --jobs 1.
    expect((cellsOf(two) as { groundTruth?: { oracle: { hitRatio: number | null } | null } }[]).every((c) => c.groundTruth?.oracle?.hitRatio != null)).toBe(true);
    // Which runner ran which cell depends on timing (these cells may all be done in the main thread
    // before a thread is up); the runner tests below make a thread take cells.
    expect(events.filter((e) => e.kind === 'cell-start').map((e) => (e as { index: number }).index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
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

/**
 * The sweep's cells as the pool's jobs, with a main-thread workload cache that holds the main thread's
 * first cell until another runner (a thread) has started one: so a thread surely takes part, whatever
 * the machine's speed.
 */
function gatedRun(dir: string, twinsOf: number[] = [], experiment: typeof sweep = sweep): { jobs: VirtualCellJob[]; groups: string[]; workloads: WorkloadCache; threadStarted: () => void } {
  const cells = expandMatrix(parseExperiment(experiment));
  const jobs: VirtualCellJob[] = cells.map((c) => ({ experiment: c.experiment, baseDir: root, seed: c.seed, params: c.params, runDir: c.runDir, absRunDir: join(dir, c.runDir), meta: { command: 'test', label: cellLabel(sweep.name, c.params), config: {} } }));
  // Oracle twins as jobs of their own, after the cells.
  for (const i of twinsOf) jobs.push({ ...jobs[i], twinOnly: true });
  cells.push(...twinsOf.map((i) => cells[i]));
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  class Gated extends WorkloadCache {
    override async get(req: WorkloadRequest): Promise<Workload> {
      await gate;
      return super.get(req);
    }
  }
  return { jobs, groups: cells.map((c) => JSON.stringify(c.experiment.workload)), workloads: new Gated(), threadStarted: open };
}

describe('the cell pool: the main thread and its threads', () => {
  it('runs cells and oracle twins in the main thread and a thread at once (--jobs 2: two at most), with the run folders and twins of --jobs 1', async () => {
    const one = join(root, 'pool-one');
    await runExperiment({ experiment: sweep, clock: 'virtual', outDir: one, jobs: 1, report: false, groundTruth: false });
    const dir = join(root, 'pool-two');
    const { jobs, groups, workloads, threadStarted } = gatedRun(dir, [0, 3]);
    const running = new Set<number>();
    const done: number[] = [];
    const twinsGot = new Map<number, Twin>();
    let most = 0;
    let first: number | null = null;
    const run = await runCells(jobs, groups, 2, workloads, {
      onBuilt: () => {},
      onStart: (i) => {
        running.add(i);
        most = Math.max(most, running.size);
        if (first === null) first = i;
        else threadStarted();
      },
      onDone: (i, r) => {
        running.delete(i);
        done.push(i);
        if (r.kind === 'twin') twinsGot.set(i, r.twin);
      },
    });
    expect(run.interrupted).toBe(false);
    expect(most).toBe(2);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // The twin jobs (6, 7: of cells 0 and 3) give the oracle twins computed directly.
    for (const [k, i] of [[6, 0], [7, 3]]) {
      const cluster = resolveCluster(jobs[i].experiment.cluster, root);
      const workload = await new WorkloadCache().get({ workload: jobs[i].experiment.workload, baseDir: root, seed: jobs[i].seed, speedupRatio: cluster.engine.speedupRatio });
      expect(twinsGot.get(k)).toEqual(OracleTwins.run(workload, cluster, jobs[i].seed));
    }
    for (const c of jobs.filter((j) => !j.twinOnly)) {
      // Byte for byte what --jobs 1 wrote (run.json differs only in its wall-clock start and metadata).
      expect(readFileSync(join(dir, c.runDir, 'requests.jsonl'), 'utf8')).toBe(readFileSync(join(one, c.runDir, 'requests.jsonl'), 'utf8'));
      expect(readJson(join(dir, c.runDir, 'run.json')).summary).toEqual(readJson(join(one, c.runDir, 'run.json')).summary);
    }
  });

  it("a hook that throws on a thread's message fails the run with that error (not the process)", async () => {
    const dir = join(root, 'pool-hook-error');
    const { jobs, groups, workloads, threadStarted } = gatedRun(dir);
    let first: number | null = null;
    const outcome = await runCells(jobs, groups, 2, workloads, {
      onBuilt: () => {},
      onStart: (i) => {
        if (first === null) first = i;
        else {
          threadStarted();
          throw new Error('progress printer broke');
        }
      },
      onDone: () => {},
    }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toBe('progress printer broke');
  });

  it('an abort while a thread runs a cell stops it and removes its folder; the cells that finished stay', async () => {
    const dir = join(root, 'pool-abort');
    // Cells long enough (2,000 requests) that the thread's first one is still running once its folder
    // has records in it.
    const long = { ...sweep, workload: { ...sweep.workload, requests: 2000 } };
    const { jobs, groups, workloads, threadStarted } = gatedRun(dir, [], long);
    const ac = new AbortController();
    const done: number[] = [];
    let first: number | null = null;
    let threadCell: number | null = null;
    // The main thread waits at its gate (its event loop free): watch, by condition, for the thread's
    // cell to have written records, then abort and let the main thread's cell go on.
    const abortOnceWriting = async (i: number): Promise<void> => {
      const records = join(jobs[i].absRunDir, 'requests.jsonl');
      while (!existsSync(records) || statSync(records).size === 0) await new Promise((r) => setTimeout(r, 20));
      ac.abort();
      threadStarted();
    };
    const run = await runCells(
      jobs,
      groups,
      2,
      workloads,
      {
        onBuilt: () => {},
        onStart: (i) => {
          if (first === null) first = i;
          else if (threadCell === null) {
            threadCell = i;
            void abortOnceWriting(i);
          }
        },
        onDone: (i) => done.push(i),
      },
      ac.signal,
    );
    expect(run.interrupted).toBe(true);
    // The main thread's cell ran to its end; the thread's, aborted while it wrote records, did not
    // finish, and its folder (which held records) is gone.
    expect(done).toContain(first);
    expect(threadCell).not.toBeNull();
    expect(done).not.toContain(threadCell);
    expect(existsSync(jobs[threadCell!].absRunDir)).toBe(false);
    expect(runDirs(dir)).toEqual(done.map((i) => jobs[i].runDir).sort());
  }, 60_000);
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

describe('the cell board (shared by the runners)', () => {
  it('hands each cell to one runner: its own workload first, then one nobody started; none after a stop', () => {
    const board = CellBoard.create(['a', 'a', 'b', 'b', 'c']);
    const twin = new CellBoard(board.data); // what a thread sees: the same memory
    expect(board.claim(1, null)).toBe(0);
    expect(twin.claim(2, null)).toBe(2); // 'a' is started: the thread takes 'b'
    expect(board.claim(1, board.group(0))).toBe(1);
    expect(twin.claim(2, twin.group(2))).toBe(3);
    expect(board.waiting).toBe(1);
    expect(board.claimed()).toEqual([0, 1, 2, 3]);
    expect(twin.claimedBy(1)).toEqual([0, 1]);
    expect(board.claimedBy(2)).toEqual([2, 3]);
    expect(board.claimedBy(3)).toEqual([]);
    board.stop();
    expect(twin.stopped).toBe(true);
    expect(twin.claim(2, null)).toBe(-1);
    expect(board.waiting).toBe(1);
  });
});
