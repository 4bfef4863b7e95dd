/**
 * Benchmark — big virtual runs stay cheap (issue 15): `kvlab report` of 50,000 records, and the peak
 * memory of a virtual run of N and 4N requests at the same load. Every measurement runs in a process
 * of its own (bench/procs/big-run.ts, jobs in bench/lib/big-run-jobs.ts), so its peak RSS is its own.
 *
 * - Report: four virtual cells of 12,500 requests each (open-loop multiturn, 1,250 users × 10 turns,
 *   100-token answers: ~40 MB of records a cell, like 12,000 Mooncake trace rows) are written first
 *   (not timed); then `writeReport` on the four run folders, compared (wall and CPU seconds without
 *   module loading; peak RSS of the process). Targets: ≤ 5 s and ≤ 500 MB.
 * - Virtual runs: the same workload with N and 4N users, arriving at a fixed interval, so the load in
 *   flight is the same and only the number of requests grows; 64 workers. Figure: peak RSS of 4N
 *   over N (target ≤ 1.2: "grows with concurrency, not with the number of requests"). The workload
 *   draws a user's prompts when its conversation starts and lets them go when it ends
 *   (client/workloads/drawn-content.ts); what still grows with N is ~0.11 KB a request of users not
 *   yet reached, the summary's record columns (~0.16 KB a request), the best case's block hashes and
 *   the distinct ITL gap values.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ANSWER_TOKENS, ARRIVAL_INTERVAL_MS, THINK_MS, type BigRunJob, type BigRunResult } from '../lib/big-run-jobs.ts';
import { makeFigure, repetitions } from '../lib/figure.ts';
import { inTempDir } from '../lib/temp-dir.ts';
import type { Suite } from '../lib/types.ts';

const ENTRY = fileURLToPath(new URL('../procs/big-run.ts', import.meta.url));
const TURNS = 10;
const WORKERS = 64;
/** Users per report cell (× 10 turns × 4 cells = 50,000 records); --quick: a tenth. */
const REPORT_USERS = 1250;
/** N's users (× 10 turns); 4N has four times as many. --quick: a quarter. */
const RSS_USERS = 2000;

function runJob(job: BigRunJob): Promise<BigRunResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', ENTRY, JSON.stringify(job)], { maxBuffer: 1 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`big-run ${job.kind} failed: ${String(stderr).trim().split('\n').pop() ?? err.message}`));
      const last = String(stdout).trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as BigRunResult);
      } catch {
        reject(new Error(`big-run ${job.kind} printed no result: ${last.slice(0, 200)}`));
      }
    });
  });
}

export const bigRuns: Suite = {
  id: 'big-runs',
  title: 'Big virtual runs: report of 50,000 records, peak RSS of N vs 4N requests at one load',
  async run(opts, log) {
    const runs = repetitions(opts, 1, 3);
    return inTempDir('kvlab-big-runs-', async (tmp) => {
      const cellUsers = opts.quick ? REPORT_USERS / 10 : REPORT_USERS;
      const dirs: string[] = [];
      for (let c = 0; c < 4; c++) {
        const out = join(tmp, `cell-${c}`);
        // Different arrival intervals would change the load; different worker counts make four distinct cells.
        const r = await runJob({ kind: 'virtual', users: cellUsers, turns: TURNS, workers: 8 * (c + 1), out, label: `${8 * (c + 1)} workers` });
        log(`cell ${c}: ${r.requests} requests written in ${r.wallS.toFixed(1)} s`);
        dirs.push(out);
      }
      const records = cellUsers * TURNS * 4;
      const reports: BigRunResult[] = [];
      for (let i = 0; i < runs; i++) {
        const r = await runJob({ kind: 'report', dirs, out: join(tmp, 'report') });
        log(`report run ${i + 1}: ${r.wallS.toFixed(2)} s wall, ${r.cpuS.toFixed(2)} s CPU, peak RSS ${r.peakRssMb.toFixed(0)} MB`);
        reports.push(r);
      }
      const users = opts.quick ? RSS_USERS / 4 : RSS_USERS;
      const small: BigRunResult[] = [];
      const large: BigRunResult[] = [];
      for (let i = 0; i < runs; i++) {
        for (const [u, into] of [
          [users, small],
          [4 * users, large],
        ] as const) {
          const r = await runJob({ kind: 'virtual', users: u, turns: TURNS, workers: WORKERS, out: join(tmp, `rss-${u}`) });
          log(`virtual ${r.requests} requests: ${r.wallS.toFixed(1)} s wall, peak RSS ${r.peakRssMb.toFixed(0)} MB`);
          rmSync(join(tmp, `rss-${u}`), { recursive: true, force: true });
          into.push(r);
        }
      }
      const what = `${records.toLocaleString('en')} records in 4 run folders (open-loop multiturn, ${TURNS} turns, ${ANSWER_TOKENS}-token answers), compared; report.html + SVG + PNG`;
      const load = `open-loop multiturn: a user every ${ARRIVAL_INTERVAL_MS} virtual ms, ${TURNS} turns, ${THINK_MS} ms mean think time, ${ANSWER_TOKENS}-token answers, ${WORKERS} workers, kv router`;
      const n = users * TURNS;
      const figures = [
        makeFigure({ id: 'big.report_s', name: `report of ${records.toLocaleString('en')} records, wall`, unit: 's', values: reports.map((r) => r.wallS), target: opts.quick ? undefined : { on: 'value', op: '<=', limit: 5 }, note: what }),
        makeFigure({ id: 'big.report_cpu_s', name: `report of ${records.toLocaleString('en')} records, CPU`, unit: 's', values: reports.map((r) => r.cpuS), note: `${what}; process CPU (user + system) of writeReport` }),
        makeFigure({ id: 'big.report_peak_rss_mb', name: `report of ${records.toLocaleString('en')} records, peak RSS`, unit: 'MB', values: reports.map((r) => r.peakRssMb), target: opts.quick ? undefined : { on: 'value', op: '<=', limit: 500 }, note: what }),
        makeFigure({ id: 'big.virtual_peak_rss_mb', name: `virtual run of ${(4 * n).toLocaleString('en')} requests, peak RSS`, unit: 'MB', values: large.map((r) => r.peakRssMb), baseline: { name: `${n.toLocaleString('en')} requests`, values: small.map((r) => r.peakRssMb) }, target: { on: 'ratio', op: '<=', limit: 1.2 }, note: `${load}; the ratio is 4N's peak over N's` }),
        makeFigure({ id: 'big.virtual_wall_s', name: `virtual run of ${(4 * n).toLocaleString('en')} requests, wall`, unit: 's', values: large.map((r) => r.wallS), baseline: { name: `${n.toLocaleString('en')} requests`, values: small.map((r) => r.wallS) }, note: load }),
      ];
      return { figures, config: { runs, reportRecords: records, virtualRequests: [n, 4 * n], workers: WORKERS, turns: TURNS } };
    });
  },
};
