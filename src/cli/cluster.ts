/**
 * `kvlab cluster`: N mock workers and a router in one process (src/lab/cluster.ts). Takes every
 * `kvlab mocker` flag (the same flag table, addMockerFlags, so the two never drift) except the
 * ports, which the cluster picks: workers and their KV events on ephemeral ports, the router on
 * --port. Prints the front door and the workers; stops cleanly on SIGINT/SIGTERM. `--no-router` starts
 * the workers only and prints what an external router needs (lab/workers-only.ts).
 */
import type { Command } from 'commander';
// Light imports only: the cluster (servers, tokenizer tables) is loaded when the command runs, so
// --help and flag errors answer fast.
import type { RouterMode } from '../router-sim/types.ts';
import { addMockerFlags, mockerOptionsOf, type mockerOptionsFromFlags } from './mocker.ts';
import { addDeploymentFlags } from './deployment-flags.ts';
import { addRouterPolicyFlags, replicaOptionsOf, ROUTER_FLAG_OF } from './router.ts';
import { asFlagError } from './flag-errors.ts';
import { untilSignal } from './signals.ts';
import type { MockerOptions } from '../mocker/index.ts';
import { loadTokenizerFlag } from './tokenizer-flag.ts';
import { enumArg, intArg } from './flags.ts';
import { WORKER_LINKS, type WorkerLink } from '../lab/in-process-link.ts';
import { isVllmHashAlgo } from '../core/vllm-block-hash.ts';

/** Mocker flags the cluster defines itself. */
const OWN_FLAGS = new Set(['--port', '--kv-events-port', '--num-workers', '--no-kv-event-token-ids']);

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
}

export function registerCluster(program: Command): void {
  const cmd = program
    .command('cluster')
    .description('Run N mock workers and a KV-aware router in one process')
    .option('--num-workers <n>', 'mock workers', intArg(), 2)
    .option('--port <port>', "router's listen port (0 = ephemeral)", intArg(), 8000)
    .option('--kv-event-token-ids', "put token ids in the workers' KV events (vLLM's format, for other subscribers; the cluster's router needs hashes only)", false)
    .option('--no-router', 'start the workers only (KV events with token ids) and print the settings your own router needs')
    .option('--worker-link <link>', 'how the router reaches its own workers: in-process (completions without HTTP, KV events as each step ends) or http (loopback HTTP and ZeroMQ, like any router); clients always talk HTTP to the router', enumArg(WORKER_LINKS), 'in-process' as WorkerLink);
  addDeploymentFlags(addMockerFlags(cmd, OWN_FLAGS), false);
  addRouterPolicyFlags(cmd, 'kv').action(async (flags: ClusterFlags) => {
    // vLLM hashes are computed from the blocks' token ids, so they need them in the events.
    const tokenIds = flags.kvEventTokenIds || isVllmHashAlgo(flags.prefixCachingHashAlgo);
    const mocker = await mockerOptionsOf(cmd, flags, { port: 0, kvEventsPort: 0, kvEventTokenIds: tokenIds });
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
    const cluster = await startCluster({ mocker, router: routerPart, tokenizer, workerLink: flags.workerLink });
    const out = process.stdout;
    out.write(`kvlab cluster: ${cluster.workers.length} worker(s), ${flags.routerMode} routing, model ${mocker.model}\n`);
    out.write(`router ${cluster.url}\n`);
    for (const w of cluster.workers) out.write(`${w.name} ${w.url}${w.kvEventsEndpoint ? ` kv-events ${w.kvEventsEndpoint}` : ''}\n`);
    await untilSignal();
    await cluster.close();
    out.write('kvlab cluster: stopped\n');
  });
}

/** `--no-router`: the workers and the settings for an external router, until SIGINT/SIGTERM. */
async function runWorkersOnly(mocker: MockerOptions, tokenizer: Awaited<ReturnType<typeof loadTokenizerFlag>>): Promise<void> {
  const { startWorkersOnly, externalRouterSettings, renderExternalRouterSettings } = await import('../lab/workers-only.ts');
  const running = await startWorkersOnly(mocker, tokenizer);
  const out = process.stdout;
  out.write(renderExternalRouterSettings(externalRouterSettings(running.workers, mocker.model, mocker.blockSize)).join('\n') + '\n');
  await untilSignal();
  await running.close();
  out.write('kvlab cluster: stopped\n');
}
