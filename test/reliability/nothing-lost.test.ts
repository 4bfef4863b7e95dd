/**
 * Nothing lost: `kvlab bench` (a child process against an in-process mock) stopped by SIGTERM writes
 * every finished request and a summary; killed by SIGKILL it still leaves a requests.jsonl of whole
 * lines that `kvlab report` reads; run files are replaced atomically, so a crash mid-write never leaves
 * a half-written run.json; an experiment interrupted mid-cell keeps each finished request, the cell's
 * run.json and summary.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRun } from '../../src/analysis/stats/load-run.ts';
import { runExperiment } from '../../src/lab/run-experiment.ts';
import { startMocker, type RunningMocker } from '../../src/mocker/index.ts';
import { waitFor } from '../helpers/wait.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = ['--import', 'tsx'];
let mocker: RunningMocker;
let dir: string;

beforeAll(async () => {
  mocker = await startMocker({ port: 0, speedupRatio: 100 });
  dir = mkdtempSync(join(tmpdir(), 'kvlab-reliability-'));
});
afterAll(async () => {
  await mocker?.close();
  rmSync(dir, { recursive: true, force: true });
});

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0) : [];
}

interface Child {
  proc: ChildProcess;
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

function start(args: string[], command = process.execPath, detached = false): Child {
  const proc = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => proc.on('close', (code, signal) => res({ code, signal })));
  return { proc, closed, output: () => out };
}

/** Whether any process of the group led by `pgid` is still running. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A long bench run writing into `out`, until it has recorded `min` requests. */
async function benchUnderWay(out: string, min: number, command: 'node' | 'npx' = 'node'): Promise<Child> {
  const bench = ['bench', 'multiturn', '--url', mocker.workers[0].url, '--num-users', '3', '--num-turns', '400', '--mean-delay-ms', '10', '--max-completion-tokens', '6', '--output', out];
  // npx in its own process group: a supervisor (or a terminal) signals the whole group.
  // npx runs the bin (bin/kvlab.js), as a user's `npx kvlab` does.
  const child = command === 'node' ? start([...TSX, 'src/cli.ts', ...bench]) : start(['kvlab', ...bench], 'npx', true);
  await waitFor(() => {
    if (child.proc.exitCode !== null) throw new Error(`bench exited early: ${child.output()}`);
    return lines(join(out, 'requests.jsonl')).length >= min;
  }, 'the bench to record requests', 30_000, 50);
  return child;
}

describe('kvlab bench stopped by a signal', () => {
  // `npm exec` runs its command through `sh -c` and does not pass a SIGTERM sent to npx alone on to the
  // bench (npm's behaviour): supervisors signal the process group, as this test does.
  it.each([
    ['to the npx process group', 'npx' as const, (c: Child): number => -c.proc.pid!],
    ['to the bench process', 'node' as const, (c: Child): number => c.proc.pid!],
  ])('SIGTERM %s: every finished request is in requests.jsonl and run.json summarises exactly those', async (_name, command, target) => {
    const out = join(dir, `sigterm-${command}`);
    const child = await benchUnderWay(out, 5, command);
    process.kill(target(child), 'SIGTERM');
    const { code, signal: killedBy } = await child.closed;
    if (command === 'node') expect(code, child.output()).toBe(130);
    else {
      expect(code === 130 || killedBy === 'SIGTERM', `code ${code} signal ${killedBy}: ${child.output()}`).toBe(true);
      // npx may exit on the signal before the bench it started (same group) has written its files.
      await waitFor(() => !groupAlive(child.proc.pid!), 'the bench in the npx process group to exit', 15_000, 50);
    }
    const records = lines(join(out, 'requests.jsonl')).map((l) => JSON.parse(l));
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.interrupted).toBe(true);
    expect(records.length).toBeGreaterThanOrEqual(5);
    expect(records.length).toBeLessThan(1200);
    expect(run.summary.requests).toBe(records.length);
    expect(run.summary.failed).toBe(records.filter((r) => !r.ok).length);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 90_000);

  it('SIGKILL: requests.jsonl holds whole records only, no run.json appears, and kvlab report reads the run', async () => {
    const out = join(dir, 'sigkill');
    const child = await benchUnderWay(out, 8);
    child.proc.kill('SIGKILL');
    expect((await child.closed).signal).toBe('SIGKILL');
    const text = readFileSync(join(out, 'requests.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true); // one write per line: no record is cut in half
    const written = lines(join(out, 'requests.jsonl')).map((l) => JSON.parse(l));
    expect(existsSync(join(out, 'run.json'))).toBe(false);

    const loaded = await loadRun(out);
    expect(loaded.records).toHaveLength(written.length);
    const report = start([...TSX, 'src/cli.ts', 'report', out, '--no-png', '--json']);
    const { code } = await report.closed;
    expect(code, report.output()).toBe(0);
    const { reportPath } = JSON.parse(report.output().slice(report.output().indexOf('{')));
    expect(readFileSync(reportPath, 'utf8')).toContain('<html');
  }, 90_000);
});

describe('atomic run files', () => {
  it('a writer killed at any moment leaves run.json absent or whole, never half-written', async () => {
    for (let round = 0; round < 3; round++) {
      const out = mkdtempSync(join(dir, 'atomic-'));
      const child = start([...TSX, 'test/reliability/fixtures/write-loop.ts', out]);
      const target = 2 + round * 3;
      await waitFor(() => {
        if (child.proc.exitCode !== null) throw new Error(`writer exited: ${child.output()}`);
        return child.output().split('\n').filter(Boolean).length >= target;
      }, 'the writer to complete some writes', 30_000, 5);
      child.proc.kill('SIGKILL'); // most likely in the middle of the next write
      await child.closed;
      const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
      expect(run.write).toBeGreaterThanOrEqual(target);
      expect(run.records).toHaveLength(20_000);
    }
  }, 90_000);
});

describe('an experiment interrupted mid-cell', () => {
  it('keeps every finished request, writes the cell run.json and summary.json, and starts no further cell', async () => {
    const outDir = join(dir, 'experiment');
    const ac = new AbortController();
    const experiment = {
      name: 'interrupted',
      description: 'reliability test',
      cluster: { numWorkers: 1, speedupRatio: 100, router: { mode: 'round-robin' } },
      workload: { kind: 'multiturn', numUsers: 2, numTurns: 300, meanDelayMs: 10, maxCompletionTokens: 4 },
      matrix: { 'cluster.router.mode': ['round-robin', 'kv'] },
      seed: 0,
    };
    const run = runExperiment({ experiment, clock: 'real', outDir, signal: ac.signal, report: false });
    const cellDir = () => readdirSync(outDir).find((f) => /^000/.test(f));
    await waitFor(() => existsSync(outDir) && cellDir() !== undefined && lines(join(outDir, cellDir()!, 'requests.jsonl')).length >= 5, 'the first cell to record requests', 30_000, 20);
    ac.abort();
    const result = await run;
    expect(result.interrupted).toBe(true);
    expect(result.cells).toHaveLength(1);
    const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8'));
    expect(summary.cells).toHaveLength(1);
    const cell = join(outDir, summary.cells[0].runDir);
    const records = lines(join(cell, 'requests.jsonl'));
    const runFile = JSON.parse(readFileSync(join(cell, 'run.json'), 'utf8'));
    expect(records.length).toBeGreaterThanOrEqual(5);
    expect(runFile.summary.requests).toBe(records.length);
    expect(summary.cells[0].summary.requests).toBe(records.length);
    expect(readdirSync(outDir).filter((f) => /^001/.test(f))).toEqual([]);
  }, 90_000);
});
