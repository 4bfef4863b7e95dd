/**
 * One job of the big-runs benchmark (bench/lib/big-run-jobs.ts) in a process of its own:
 * `node --import tsx bench/procs/big-run.ts '<job JSON>'`. Prints one JSON line: wall and CPU
 * seconds of the job (module loading excluded), peak RSS of the process (MB), and what the job
 * produced.
 */
import { performance } from 'node:perf_hooks';
import { runBigJob, type BigRunJob, type BigRunResult } from '../lib/big-run-jobs.ts';

const job = JSON.parse(process.argv[2] ?? '{}') as BigRunJob;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const out = await runBigJob(job);
const cpu = process.cpuUsage(cpu0);
const result: BigRunResult = {
  wallS: (performance.now() - t0) / 1000,
  cpuS: (cpu.user + cpu.system) / 1e6,
  // maxRSS is in KiB on Linux.
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  ...out,
};
process.stdout.write(JSON.stringify(result) + '\n');
