/**
 * `npm run soak [-- --duration S] [-- --json]`: the resource-safety soak (soak.ts) — 10 minutes of
 * steady load on an embedded cluster with 10 % of clients aborting mid-stream, then checks that every
 * engine is idle with no active KV block and that the heap after GC grew under 10 % from the first
 * minute. Prints a sample line per heap sample (stderr) and a verdict (or the result as JSON); exits 0
 * when it passed, 1 when it found a problem, 2 for bad flags.
 */
import { parseArgs } from 'node:util';
import { runSoak, SOAK_DEFAULTS, type SoakOptions, type SoakResult } from './soak.ts';

const NUMBER_FLAGS: Record<string, keyof SoakOptions> = {
  duration: 'durationS',
  warmup: 'warmupS',
  'warmup-requests': 'warmupRequests',
  'sample-every': 'sampleEveryS',
  clients: 'clients',
  'abort-share': 'abortShare',
  workers: 'workers',
  'speedup-ratio': 'speedupRatio',
  'max-heap-growth': 'maxHeapGrowth',
  seed: 'seed',
};

function options(argv: string[]): { opts: Partial<SoakOptions>; json: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean', default: false }, ...Object.fromEntries(Object.keys(NUMBER_FLAGS).map((k) => [k, { type: 'string' as const }])) },
    strict: true,
  });
  const opts: Partial<SoakOptions> = {};
  for (const [flag, key] of Object.entries(NUMBER_FLAGS)) {
    const raw: unknown = values[flag as keyof typeof values];
    if (raw === undefined) continue;
    const n = Number(raw);
    const integer = key === 'clients' || key === 'workers' || key === 'seed' || key === 'warmupRequests';
    const share = key === 'abortShare';
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || (share ? n < 0 || n > 1 : n < 0) || (!share && key !== 'seed' && key !== 'warmupRequests' && n === 0)) {
      throw new Error(`invalid --${flag} '${String(raw)}': expected ${share ? 'a number in [0, 1]' : integer ? 'a positive integer' : 'a positive number'}`);
    }
    (opts as Record<string, number>)[key] = n;
  }
  if (opts.durationS !== undefined && opts.warmupS === undefined) opts.warmupS = Math.min(SOAK_DEFAULTS.warmupS, opts.durationS / 5);
  if (opts.durationS !== undefined && opts.sampleEveryS === undefined) opts.sampleEveryS = Math.min(SOAK_DEFAULTS.sampleEveryS, opts.durationS / 10);
  return { opts, json: values.json === true };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function verdict(r: SoakResult): string {
  const lines = [
    `soak: ${r.durationS.toFixed(0)} s, ${r.options.clients} clients (${Math.round(r.options.clients * r.options.abortShare)} aborting mid-stream), ${r.options.workers} workers`,
    `requests: ${r.requests.ok} answered, ${r.requests.aborted} aborted mid-stream, ${r.requests.failed} failed`,
    `heap after GC: ${mb(r.heap.baselineBytes)} at ${r.heap.baselineAtS?.toFixed(0) ?? '-'} s, ${mb(r.heap.underLoadBytes)} at the end (${(100 * r.heap.growthUnderLoad).toFixed(1)} %), ${mb(r.heap.drainedBytes)} drained (${(100 * r.heap.growthDrained).toFixed(1)} %)`,
    `engines at the end: ${r.engines.map((e) => `${e.name} ${e.running} running / ${e.activeBlocks} active blocks`).join(', ')}; router in flight: ${r.routerInFlight}`,
  ];
  lines.push(r.problems.length === 0 ? 'PASSED' : `FAILED:\n${r.problems.map((p) => `  - ${p}`).join('\n')}`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof options>;
  try {
    parsed = options(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`soak: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    const result = await runSoak({
      ...parsed.opts,
      onSample: (s) => process.stderr.write(`soak: ${s.atS.toFixed(0)} s, ${s.requests} requests, heap after GC ${mb(s.heapBytes)}\n`),
    });
    process.stdout.write(parsed.json ? `${JSON.stringify(result, null, 2)}\n` : `${verdict(result)}\n`);
    return result.problems.length === 0 ? 0 : 1;
  } catch (err) {
    process.stderr.write(`soak: ${(err as Error).message.split('\n')[0]}\n`);
    return 1;
  }
}

process.exit(await main());
