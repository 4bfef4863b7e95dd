/**
 * `kvlab cluster`: N mock workers and a router in one process (src/lab/cluster.ts). Takes every
 * `kvlab mocker` flag (the same flag table, addMockerFlags, so the two never drift) except the
 * ports, which the cluster picks: workers and their KV events on ephemeral ports, the router on
 * --port. Prints the front door and the workers; stops cleanly on SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
// Light imports only: the cluster (servers, tokenizer tables) is loaded when the command runs, so
// --help and flag errors answer fast.
import { resolveRouterOptions } from '../router-sim/server/options.ts';
import type { RouterMode } from '../router-sim/types.ts';
import { addMockerFlags, mockerOptionsOf, type mockerOptionsFromFlags } from './mocker.ts';
import { addDeploymentFlags } from './deployment-flags.ts';
import { addRouterPolicyFlags, asFlagError, ROUTER_FLAG_OF } from './router.ts';
import { untilSignal } from './signals.ts';
import { intArg, portArg } from './flags.ts';

/** Mocker flags the cluster defines itself. */
const OWN_FLAGS = new Set(['--port', '--kv-events-port', '--num-workers', '--no-kv-event-token-ids']);

type MockerFlags = Parameters<typeof mockerOptionsFromFlags>[0];

interface ClusterFlags extends MockerFlags {
  routerMode: RouterMode;
  kvOverlapScoreWeight: number;
  routerTemperature: number;
  routerTtl: number;
  preprocess: boolean;
  kvCpuHitCredit?: number;
  kvDiskHitCredit?: number;
}

export function registerCluster(program: Command): void {
  const cmd = program
    .command('cluster')
    .description('Run N mock workers and a KV-aware router in one process')
    .option('--num-workers <n>', 'mock workers', intArg({ min: 1, max: 1024 }), 2)
    .option('--port <port>', "router's listen port (0 = ephemeral)", portArg(), 8000)
    .option('--kv-event-token-ids', "put token ids in the workers' KV events (vLLM's format, for other subscribers; the cluster's router needs hashes only)", false);
  addDeploymentFlags(addMockerFlags(cmd, OWN_FLAGS), false);
  addRouterPolicyFlags(cmd, 'kv').action(async (flags: ClusterFlags) => {
    const mocker = await mockerOptionsOf(cmd, flags, { port: 0, kvEventsPort: 0 });
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
      kvCpuHitCredit: flags.kvCpuHitCredit,
      kvDiskHitCredit: flags.kvDiskHitCredit,
    };
    try {
      // Validate the router's part up front so a bad flag fails before anything starts.
      resolveRouterOptions({ ...routerPart, workers: ['http://127.0.0.1:1'], kvEvents: ['tcp://127.0.0.1:1'] });
    } catch (err) {
      asFlagError(err, ROUTER_FLAG_OF);
    }
    const { startCluster } = await import('../lab/cluster.ts');
    const cluster = await startCluster({ mocker, router: routerPart });
    const out = process.stdout;
    out.write(`kvlab cluster: ${cluster.workers.length} worker(s), ${flags.routerMode} routing, model ${mocker.model}\n`);
    out.write(`router ${cluster.url}\n`);
    for (const w of cluster.workers) out.write(`${w.name} ${w.url}${w.kvEventsEndpoint ? ` kv-events ${w.kvEventsEndpoint}` : ''}\n`);
    await untilSignal();
    await cluster.close();
    out.write('kvlab cluster: stopped\n');
  });
}
