/**
 * `kvlab cluster`: N mock workers and a router in one process (src/lab/cluster.ts). Takes every
 * `kvlab mocker` flag (the same flag table, addMockerFlags, so the two never drift) except the
 * ports, which the cluster picks: workers and their KV events on ephemeral ports, the router on
 * --port. Prints the front door and the workers; stops cleanly on SIGINT/SIGTERM. `--no-router` starts
 * the workers only and prints what an external router needs (lab/workers-only.ts).
 * `--num-prefill-workers P --num-decode-workers D` starts a disaggregated cluster (lab/cluster.ts): P
 * prefill workers routed by the router's policy, D decode workers picked by decode load.
 */
import type { Command } from 'commander';
// Light imports only: the cluster (servers, tokenizer tables) is loaded when the command runs, so
// --help and flag errors answer fast.
import type { RouterMode } from '../router-sim/types.ts';
import { addMockerFlags, mockerOptionsOf, type mockerOptionsFromFlags } from './mocker.ts';
import { addDeploymentFlags } from './deployment-flags.ts';
import { addRouterPolicyFlags, replicaOptionsOf, ROUTER_FLAG_OF } from './router.ts';
import { asFlagError } from './flag-errors.ts';
import { announceUntilSignal } from './signals.ts';
import type { MockerOptions } from '../mocker/index.ts';
import { loadTokenizerFlag } from './tokenizer-flag.ts';
import { enumArg, intArg } from './flags.ts';
import { WORKER_LINKS, type WorkerLink } from '../lab/in-process-link.ts';
import { isVllmHashAlgo } from '../core/vllm-block-hash.ts';
import { makeError } from '../core/errors.ts';

/** Mocker flags the cluster defines itself. */
const OWN_FLAGS = new Set(['--port', '--kv-events-port', '--num-workers', '--no-kv-event-token-ids', '--disaggregation-mode']);

type MockerFlags = Parameters<typeof mockerOptionsFromFlags>[0];

interface ClusterFlags extends MockerFlags {
  routerMode: RouterMode;
  kvOverlapScoreWeight: number;
  routerTemperature: number;
  routerTtl: number;
  preprocess: boolean;
  kvEventDelayMs: number;
  kvEventLoss: number;
  loadRefreshMs: number;
  /** False with --no-router. */
  router: boolean;
  workerLink: WorkerLink;
  kvCpuHitCredit?: number;
  kvDiskHitCredit?: number;
  routerReplicas: number;
  routerReplicaSync?: boolean;
  routerReplicaSpread: string;
  numPrefillWorkers?: number;
  numDecodeWorkers?: number;
}

/**
 * `--num-prefill-workers P --num-decode-workers D`: both or neither, each ≥ 1 (intArg checks the
 * integer), and --num-workers, when given, their sum. Returns the worker count and P (0: aggregated).
 */
export function disaggregationFlags(f: { numWorkers: number; numPrefillWorkers?: number; numDecodeWorkers?: number }, numWorkersGiven: boolean): { numWorkers: number; prefillWorkers: number } {
  const p = f.numPrefillWorkers;
  const d = f.numDecodeWorkers;
  if (p === undefined && d === undefined) return { numWorkers: f.numWorkers, prefillWorkers: 0 };
  if (p === undefined || d === undefined) {
    const missing = p === undefined ? '--num-prefill-workers' : '--num-decode-workers';
    throw makeError('bad_flag', { flag: missing, detail: 'a disaggregated cluster needs both --num-prefill-workers and --num-decode-workers' });
  }
  for (const [flag, n] of [['--num-prefill-workers', p], ['--num-decode-workers', d]] as const) {
    if (n < 1) throw makeError('bad_flag', { flag, detail: `a disaggregated cluster needs at least one worker of each kind, got ${n}` });
  }
  if (numWorkersGiven && f.numWorkers !== p + d) throw makeError('bad_flag', { flag: '--num-workers', detail: `${f.numWorkers} ≠ ${p} prefill + ${d} decode workers (leave it out)` });
  return { numWorkers: p + d, prefillWorkers: p };
}

export function registerCluster(program: Command): void {
  const cmd = program
    .command('cluster')
    .description('Run N mock workers and a KV-aware router in one process')
    .option('--num-workers <n>', 'mock workers', intArg(), 2)
    .option('--port <port>', "router's listen port (0 = ephemeral)", intArg(), 8000)
    .option('--kv-event-token-ids', "put token ids in the workers' KV events (vLLM's format, for other subscribers; the cluster's router needs hashes only)", false)
    .option('--no-router', 'start the workers only (KV events with token ids) and print the settings your own router needs')
    .option('--worker-link <link>', 'how the router reaches its own workers: in-process (completions without HTTP, KV events as each step ends) or http (loopback HTTP and ZeroMQ, like any router); clients always talk HTTP to the router', enumArg(WORKER_LINKS), 'in-process' as WorkerLink)
    .option('--num-prefill-workers <n>', 'disaggregated prefill/decode: prefill workers, routed by KV overlap (with --num-decode-workers)', intArg())
    .option('--num-decode-workers <n>', 'disaggregated prefill/decode: decode workers, picked by decode load; each pulls the KV over --kv-transfer-bandwidth-gbps', intArg());
  addDeploymentFlags(addMockerFlags(cmd, OWN_FLAGS), false);
  addRouterPolicyFlags(cmd, 'kv').action(async (flags: ClusterFlags) => {
    // vLLM hashes are computed from the blocks' token ids, so they need them in the events.
    const tokenIds = flags.kvEventTokenIds || isVllmHashAlgo(flags.prefixCachingHashAlgo);
    const pd = disaggregationFlags(flags, cmd.getOptionValueSource('numWorkers') === 'cli');
    if (pd.prefillWorkers > 0 && !flags.router) throw makeError('bad_flag', { flag: '--no-router', detail: 'a disaggregated cluster needs its router (it runs the prefill → decode hand-off)' });
    const mocker = await mockerOptionsOf(cmd, { ...flags, numWorkers: pd.numWorkers }, { port: 0, kvEventsPort: 0, kvEventTokenIds: tokenIds });
    if (!flags.router) return runWorkersOnly(mocker, await loadTokenizerFlag(flags.tokenizer));
    const routerPart = {
      mode: flags.routerMode,
      port: flags.port,
      host: mocker.host,
      blockSize: mocker.blockSize,
      overlapScoreWeight: flags.kvOverlapScoreWeight,
      temperature: flags.routerTemperature,
      routerTtlS: flags.routerTtl,
      seed: mocker.seed,
      maxModelLen: mocker.maxModelLen,
      preprocess: flags.preprocess,
      kvEventDelayMs: flags.kvEventDelayMs,
      kvEventLoss: flags.kvEventLoss,
      loadRefreshMs: flags.loadRefreshMs,
      kvCpuHitCredit: flags.kvCpuHitCredit,
      kvDiskHitCredit: flags.kvDiskHitCredit,
      ...replicaOptionsOf(flags),
    };
    const { resolveRouterOptions } = await import('../router-sim/server/options.ts');
    try {
      // Validate the router's part up front so a bad flag fails before anything starts.
      resolveRouterOptions({ ...routerPart, workers: ['http://127.0.0.1:1'], kvEvents: ['tcp://127.0.0.1:1'] });
    } catch (err) {
      throw asFlagError(err, ROUTER_FLAG_OF);
    }
    const tokenizer = await loadTokenizerFlag(flags.tokenizer);
    const { startCluster } = await import('../lab/cluster.ts');
    const cluster = await startCluster({ mocker, router: routerPart, tokenizer, workerLink: flags.workerLink, ...(pd.prefillWorkers > 0 ? { prefillWorkers: pd.prefillWorkers } : {}) });
    const out = process.stdout;
    const shape = pd.prefillWorkers > 0 ? `${pd.prefillWorkers} prefill + ${pd.numWorkers - pd.prefillWorkers} decode workers` : `${cluster.workers.length} worker(s)`;
    const role = (i: number) => (pd.prefillWorkers === 0 ? '' : i < pd.prefillWorkers ? ' prefill' : ' decode');
    await announceUntilSignal(() => {
      out.write(`kvlab cluster: ${shape}, ${flags.routerMode} routing, model ${mocker.model}\n`);
      out.write(`router ${cluster.url}\n`);
      cluster.workers.forEach((w, i) => out.write(`${w.name}${role(i)} ${w.url}${w.kvEventsEndpoint ? ` kv-events ${w.kvEventsEndpoint}` : ''}\n`));
    });
    await cluster.close();
    out.write('kvlab cluster: stopped\n');
  });
}

/** `--no-router`: the workers and the settings for an external router, until SIGINT/SIGTERM. */
async function runWorkersOnly(mocker: MockerOptions, tokenizer: Awaited<ReturnType<typeof loadTokenizerFlag>>): Promise<void> {
  const { startWorkersOnly, externalRouterSettings, renderExternalRouterSettings } = await import('../lab/workers-only.ts');
  const running = await startWorkersOnly(mocker, tokenizer);
  const out = process.stdout;
  await announceUntilSignal(() => out.write(renderExternalRouterSettings(externalRouterSettings(running.workers, mocker.model, mocker.blockSize)).join('\n') + '\n'));
  await running.close();
  out.write('kvlab cluster: stopped\n');
}
