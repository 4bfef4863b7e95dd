import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment, type ExperimentProgress } from '../../src/lab/run-experiment.ts';
import { ExperimentFileError } from '../../src/lab/experiment-file.ts';
import { startCluster, type RunningCluster } from '../../src/lab/cluster.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-lab-run-'));
const clusters: RunningCluster[] = [];
afterAll(async () => {
  for (const c of clusters) await c.close();
  rmSync(root, { recursive: true, force: true });
});

/** A tiny two-turn chat on two workers: fast on every clock. */
const small = {
  name: 'small',
  description: 'a small test experiment',
  source: 'the tests',
  cluster: { numWorkers: 2, router: { mode: 'kv' } },
  workload: { kind: 'multiturn', numUsers: 3, numTurns: 2, numUserTokens: 32, maxCompletionTokens: 8, meanDelayMs: 10, systemPromptTokens: 16 },
  matrix: { 'router.mode': ['kv', 'round-robin'], 'workload.speculativePrefill': [false, true] },
  seed: 7,
};

function readJson(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'));
}

describe('runExperiment on the virtual clock', () => {
  const outDir = join(root, 'virtual');
  const events: ExperimentProgress[] = [];
  const run = runExperiment({ experiment: small, clock: 'virtual', outDir, onProgress: (e) => events.push(e), png: false });

  it('writes summary.json with the contract shape: experiment, clock, one cell per matrix point', async () => {
    const result = await run;
    const summary = readJson(result.summaryPath);
    expect(summary.experiment).toBe('small');
    expect(summary.clock).toBe('virtual');
    expect(summary.cells).toHaveLength(4);
    expect(summary.cells.map((c: any) => c.params)).toEqual([
      { 'router.mode': 'kv', 'workload.speculativePrefill': false },
      { 'router.mode': 'kv', 'workload.speculativePrefill': true },
      { 'router.mode': 'round-robin', 'workload.speculativePrefill': false },
      { 'router.mode': 'round-robin', 'workload.speculativePrefill': true },
    ]);
    for (const cell of summary.cells) {
      expect(typeof cell.runDir).toBe('string');
      expect(cell.runDir.startsWith('/')).toBe(false);
      expect(cell.summary.requests).toBe(6);
      expect(cell.summary.failed).toBe(0);
      for (const k of ['mean', 'std', 'min', 'p50', 'p90', 'p95', 'p99', 'max', 'count']) expect(cell.summary.ttftMs).toHaveProperty(k);
      expect(cell.laterTurnsTtftMs.count).toBe(3);
    }
  });

  it('writes one run folder per cell with run.json and one requests.jsonl line per request', async () => {
    const result = await run;
    const summary = readJson(result.summaryPath);
    const dirs = summary.cells.map((c: any) => c.runDir);
    expect(new Set(dirs).size).toBe(4);
    for (const dir of dirs) {
      const runFile = readJson(join(outDir, dir, 'run.json'));
      expect(runFile.tool).toBe('kvlab');
      expect(runFile.target).toBe('virtual');
      expect(runFile.summary.requests).toBe(6);
      expect(runFile.perTurn.map((t: any) => t.turn)).toEqual([1, 2]);
      const lines = readFileSync(join(outDir, dir, 'requests.jsonl'), 'utf8').trim().split('\n');
      expect(lines).toHaveLength(6);
      const rec = JSON.parse(lines[0]);
      for (const k of ['conversationId', 'turn', 'sentAtMs', 'ttftMs', 'e2eMs', 'tpotMs', 'inputTokens', 'outputTokens', 'cachedTokens', 'worker', 'ok', 'error']) {
        expect(rec).toHaveProperty(k);
      }
    }
    // The same writer wrote the matrix values into each run's config.
    expect(readJson(join(outDir, dirs[1], 'run.json')).config.params).toEqual({ 'router.mode': 'kv', 'workload.speculativePrefill': true });
  });

  it('says the serving overhead is n/a on the virtual clock: null per request, no verdict columns, never a warning', async () => {
    const result = await run;
    const summary = readJson(result.summaryPath);
    for (const cell of summary.cells) expect(cell.servingCheck).toMatchObject({ status: 'virtual', message: 'serving overhead: n/a (virtual clock)' });
    const dir = join(outDir, summary.cells[0].runDir);
    expect(readJson(join(dir, 'run.json')).servingCheck.status).toBe('virtual');
    expect(JSON.parse(readFileSync(join(dir, 'requests.jsonl'), 'utf8').split('\n')[0]).servingOverheadMs).toBeNull();
    const html = readFileSync(result.reportPath!, 'utf8');
    expect(html).toContain('serving overhead: n/a (virtual clock)');
    expect(html).not.toContain('class="warnings"');
    expect(summary.notes.join(' ')).not.toContain('CPU-bound');
  });

  it('writes report.html and the resolved experiment next to the runs', async () => {
    const result = await run;
    expect(result.reportPath).toBe(join(outDir, 'report.html'));
    expect(readFileSync(result.reportPath!, 'utf8')).toContain('<html');
    expect(readJson(join(outDir, 'experiment.json')).name).toBe('small');
    expect(readdirSync(outDir).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('reports progress: a start, then one line per cell with its headline numbers, then the report', async () => {
    await run;
    expect(events[0]).toMatchObject({ kind: 'start', experiment: 'small', clock: 'virtual', cells: 4 });
    const lines = events.filter((e) => e.kind === 'cell').map((e) => (e as { line: string }).line);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\[1\/4\] router\.mode=kv workload\.speculativePrefill=false: 6 ok, TTFT mean [\d.]+ ms/);
    expect(events.at(-1)).toMatchObject({ kind: 'report' });
  });

  it('is deterministic: the same experiment gives the same summaries', async () => {
    const again = await runExperiment({ experiment: small, clock: 'virtual', outDir: join(root, 'virtual-again'), report: false });
    const first = await run;
    expect(again.cells.map((c) => c.summary.ttftMs)).toEqual(first.cells.map((c) => c.summary.ttftMs));
  });
});

describe('runExperiment options', () => {
  it('applies --set overrides before expanding the matrix', async () => {
    const r = await runExperiment({
      experiment: small,
      clock: 'virtual',
      outDir: join(root, 'sets'),
      sets: ['matrix.router.mode=["random"]', 'workload.numUsers=2'],
      report: false,
    });
    expect(r.cells.map((c) => c.params['router.mode'])).toEqual(['random', 'random']);
    expect(r.cells[0].summary.requests).toBe(4);
    expect(r.reportPath).toBeNull();
  });

  it('rejects a bad experiment as a usage error naming the field, before writing anything', async () => {
    const outDir = join(root, 'bad');
    const bad = { ...small, workload: { ...small.workload, numUsers: 0 } };
    const err = await runExperiment({ experiment: bad, clock: 'virtual', outDir }).catch((e) => e);
    expect(err).toBeInstanceOf(ExperimentFileError);
    expect(err.code).toBe('bad_experiment_file');
    expect(err.status).toBe(2);
    expect(err.message).toMatch(/workload\.numUsers/);
    expect(existsSync(outDir)).toBe(false);
    await expect(runExperiment({ experiment: { ...small, workload: { kind: 'nope' } }, clock: 'virtual', outDir })).rejects.toThrow(/workload\.kind/);
    await expect(runExperiment({ experiment: small, clock: 'virtual', outDir, sets: ['cluster.router.mode=fastest'] })).rejects.toThrow(/cluster\.router\.mode/);
  });

  it('never writes over an earlier experiment silently: a used folder is refused, --overwrite replaces it', async () => {
    const outDir = join(root, 'reused');
    const one = { ...small, matrix: { 'router.mode': ['kv', 'round-robin'] } };
    await runExperiment({ experiment: one, clock: 'virtual', outDir, report: false });
    expect(readdirSync(outDir).sort()).toEqual(['000_mode-kv', '001_mode-round-robin', 'experiment.json', 'summary.json']);
    const err = await runExperiment({ experiment: one, clock: 'virtual', outDir, report: false }).catch((e) => e);
    expect(err).toMatchObject({ code: 'bad_flag', status: 2 });
    expect(err.message).toMatch(/--output: .*reused already holds a run .*give --overwrite/);
    // A smaller matrix over the old one leaves none of the old cells behind.
    const r = await runExperiment({ experiment: { ...small, matrix: { 'router.mode': ['random'] } }, clock: 'virtual', outDir, overwrite: true, report: false });
    expect(r.cells).toHaveLength(1);
    expect(readdirSync(outDir).sort()).toEqual(['000_mode-random', 'experiment.json', 'summary.json']);
  });

  it('refuses remote targets on the virtual clock', async () => {
    await expect(runExperiment({ experiment: small, clock: 'virtual', targets: [{ label: 'a', url: 'http://127.0.0.1:1' }], outDir: join(root, 't') })).rejects.toThrow(/--target/);
  });

  it('stops between cells when aborted and keeps what it measured', async () => {
    const ac = new AbortController();
    const r = await runExperiment({
      experiment: small,
      clock: 'virtual',
      outDir: join(root, 'abort'),
      signal: ac.signal,
      report: false,
      onProgress: (e) => {
        if (e.kind === 'cell') ac.abort();
      },
    });
    expect(r.interrupted).toBe(true);
    expect(r.cells).toHaveLength(1);
    const summary = readJson(r.summaryPath);
    expect(summary.cells).toHaveLength(1);
    expect(summary.notes.join(' ')).toMatch(/interrupted: 1 of 4 cells/);
  });

  it('runs nothing when aborted before the first cell, and writes an empty summary without a report', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await runExperiment({ experiment: small, clock: 'real', outDir: join(root, 'aborted'), signal: ac.signal });
    expect(r.interrupted).toBe(true);
    expect(r.cells).toEqual([]);
    expect(r.reportPath).toBeNull();
    expect(readJson(r.summaryPath).cells).toEqual([]);
  });

  it('runs remote targets as a `target` parameter, ignoring cluster settings and cluster axes', async () => {
    const cluster = await startCluster({ numWorkers: 1, router: { mode: 'round-robin', port: 0 }, kvEvents: false, mocker: { speedupRatio: 20 } });
    clusters.push(cluster);
    const r = await runExperiment({
      experiment: { ...small, workload: { ...small.workload, numUsers: 2 } },
      clock: 'real',
      targets: [{ label: 'mine', url: cluster.url }],
      outDir: join(root, 'remote'),
      report: false,
    });
    expect(r.cells.map((c) => c.params)).toEqual([
      { target: 'mine', 'workload.speculativePrefill': false },
      { target: 'mine', 'workload.speculativePrefill': true },
    ]);
    expect(r.summary.notes.join(' ')).toMatch(/ignored against remote targets: router\.mode/);
    expect(r.summary.targets).toEqual([{ label: 'mine', url: cluster.url }]);
    for (const c of r.cells) expect(c.summary.succeeded).toBe(4);
    const runFile = readJson(join(r.outDir, r.cells[0].runDir, 'run.json'));
    expect(runFile.target).toBe(cluster.url);
    expect(runFile.config.remote).toEqual({ label: 'mine', url: cluster.url });
  });
});

describe('the plots field of an experiment', () => {
  it('keeps only the listed plots in the report and as files', async () => {
    const outDir = join(root, 'plots');
    await runExperiment({ experiment: { ...small, matrix: { 'router.mode': ['kv'] }, plots: ['ttft-cdf'] }, clock: 'virtual', outDir, png: false });
    const svgs = readdirSync(outDir).filter((f) => f.endsWith('.svg'));
    expect(svgs).toEqual(['ttft-cdf.svg']);
    expect(readFileSync(join(outDir, 'report.html'), 'utf8')).toContain('TTFT CDF');
  });

  it('rejects an unknown plot name, naming the field', async () => {
    await expect(
      runExperiment({ experiment: { ...small, plots: ['pie-chart'] }, clock: 'virtual', outDir: join(root, 'bad-plots'), png: false }),
    ).rejects.toThrow(/plots/);
  });
});
