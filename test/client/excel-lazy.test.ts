/**
 * exceljs is loaded only by `-e/--excel-output`: a bench run without it leaves exceljs out of the
 * process's module cache, a run with it loads exceljs and writes a workbook that reads back with
 * the summary and one Raw data row per request, attempts included. This file runs in its own process
 * (vitest's forks pool isolates files), so nothing else has loaded exceljs before it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMocker, type RunningMocker } from '../../src/mocker/index.ts';
import { benchCommand, type BenchCommandOptions, type BenchIo } from '../../src/client/bench-command.ts';

const require = createRequire(import.meta.url);
const excelLoaded = (): boolean => Object.keys(require.cache).some((f) => /[\\/]node_modules[\\/]exceljs[\\/]/.test(f));

let mocker: RunningMocker;
let dir: string;

beforeAll(async () => {
  mocker = await startMocker({ port: 0, speedupRatio: 100 });
  dir = mkdtempSync(join(tmpdir(), 'kvlab-excel-'));
});

afterAll(async () => {
  await mocker.close();
  rmSync(dir, { recursive: true, force: true });
});

const quiet = (): BenchIo => {
  const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
  return { stdout: sink(), stderr: sink(), tty: false };
};

function opts(outputDir: string, excelOutput?: string): BenchCommandOptions {
  return {
    workload: 'multiturn',
    params: { numUsers: 2, numTurns: 2, meanDelayMs: 1, maxCompletionTokens: 4, numUserTokens: 10 },
    resultsDir: join(dir, 'results'),
    excelOutput,
    shared: { urls: [mocker.workers[0].url], seed: 1, outputDir, json: true },
  };
}

describe('bench --excel-output', () => {
  it('a run without -e does not load exceljs; a run with -e loads it and writes a workbook that reads back', async () => {
    expect(await benchCommand(opts(join(dir, 'plain')), quiet())).toBe(0);
    expect(excelLoaded()).toBe(false);

    const xlsx = join(dir, 'run.xlsx');
    expect(await benchCommand(opts(join(dir, 'excel'), xlsx), quiet())).toBe(0);
    expect(excelLoaded()).toBe(true);

    const { default: ExcelJS } = await import('exceljs');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx);
    const summary = wb.getWorksheet('Summary')!;
    const byName = new Map<string, unknown>();
    summary.eachRow((row) => byName.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(byName.get('requests')).toBe(4);
    expect(byName.get('failed')).toBe(0);

    const raw = wb.getWorksheet('Raw data')!;
    const header = (raw.getRow(1).values as unknown[]).slice(1);
    expect(header).toContain('attempts');
    expect(header).toContain('retries');
    expect(raw.rowCount).toBe(1 + 4);
    const col = (name: string) => header.indexOf(name) + 1;
    for (let r = 2; r <= raw.rowCount; r++) {
      const row = raw.getRow(r);
      expect(row.getCell(col('attempts')).value).toBe(1);
      expect(row.getCell(col('retries')).value).toBe(0);
      expect(row.getCell(col('ok')).value).toBe(true);
      expect(row.getCell(col('turn')).value).toBeOneOf([1, 2]);
      expect(typeof row.getCell(col('ttftMs')).value).toBe('number');
    }
  });
});
