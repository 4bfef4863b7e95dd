/**
 * `kvlab report DIR` on the folder `kvlab bench prefix-ratio --prefix-ratios … --output DIR` writes
 * (one run folder per ratio, no run.json of its own): read as a sweep over the prefix ratio, end to
 * end against the mock engine on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMocker, type RunningMocker } from '../../src/mocker/index.ts';
import { benchCommand } from '../../src/client/bench-command.ts';
import { writeReport } from '../../src/analysis/report/write-report.ts';

let mocker: RunningMocker;
let dir: string;

beforeAll(async () => {
  mocker = await startMocker({ port: 0, speedupRatio: 100 });
  dir = mkdtempSync(join(tmpdir(), 'kvlab-report-sweep-'));
});

afterAll(async () => {
  await mocker.close();
  rmSync(dir, { recursive: true, force: true });
});

const quiet = () => new Writable({ write: (_c, _e, cb) => cb() });

describe('kvlab report on a bench prefix-ratio folder', () => {
  it('draws the sweep over the prefix ratio and tabulates one row per ratio', async () => {
    const out = join(dir, 'sweep');
    const code = await benchCommand(
      {
        workload: 'prefix-ratio',
        params: { isl: 300, osl: 4, requests: 6, concurrency: 2, numPrefixPrompts: 2 },
        prefixRatios: [0.9, 0.1, 0.5],
        shared: { urls: [mocker.workers[0].url], outputDir: out, seed: 1 },
      },
      { stdout: quiet(), stderr: quiet(), tty: false },
    );
    expect(code).toBe(0);
    expect(readdirSync(out).length).toBe(3);

    const res = await writeReport({ runDirs: [out], outDir: out, png: false });
    expect(res.plots.map((p) => p.slice(out.length + 1))).toContain('sweep.svg');
    const html = readFileSync(res.reportPath, 'utf8');
    const plots = JSON.parse(/<script type="application\/json" id="kvlab-plots">(.*?)<\/script>/s.exec(html)![1]) as Array<{ id: string; spec: { data: { values: Array<{ x: number; series: string }> } } }>;
    const sweep = plots.find((p) => p.id === 'sweep')!;
    expect(sweep.spec.data.values.map((v) => v.x)).toEqual([0.1, 0.5, 0.9]);
    expect(new Set(sweep.spec.data.values.map((v) => v.series)).size).toBe(1);
    expect(html).toContain('Sweep runs');
    // one row per ratio, named by the ratio alone (prefixTokens varies with it and is left out)
    for (const r of ['0.1', '0.5', '0.9']) expect(html).toContain(`prefixRatio=${r}`);
    expect(html).not.toContain('prefixTokens=');
  });
});
