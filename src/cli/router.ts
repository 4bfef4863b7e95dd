/**
 * `kvlab router`: parse flags into RouterOptions, start the KV-aware proxy in front of the given
 * workers, print where it listens, and stop cleanly on SIGINT/SIGTERM. Thin: flags parse only their
 * syntax; types and ranges are the router's schema's (resolveRouterOptions), routing is src/router-sim's.
 */
import type { Command } from 'commander';
// Light imports only: the proxy (fastify, undici, zeromq, prom-client, tokenizer tables) is loaded when
// the command runs, so --help and flag errors answer fast.
import { DEFAULT_ROUTER_OPTIONS as D } from '../router-sim/server/option-defaults.ts';
import type { RouterOptions } from '../router-sim/server/options.ts';
import { ROUTER_MODES, type RouterMode } from '../router-sim/types.ts';
import { floatArg, intArg, nonEmptyArg } from './flags.ts';
import { asFlagError } from './flag-errors.ts';
import { announceUntilSignal } from './signals.ts';
import { addTokenizerFlag, loadTokenizerFlag } from './tokenizer-flag.ts';

interface RouterFlags {
  worker: string[];
  kvEvents: string[];
  /** P/D: decode worker URLs (the --worker ones are then the prefill workers). */
  decodeWorker?: string[];
  routerMode: RouterMode;
  host: string;
  port: number;
  blockSize: number;
  kvOverlapScoreWeight: number;
  routerTemperature: number;
  routerTtl: number;
  seed: number;
  apiKey?: string;
  maxModelLen?: number;
  kvEventDelayMs: number;
  kvEventLoss: number;
  loadRefreshMs: number;
  preprocess: boolean;
  tokenizer?: string;
  kvCpuHitCredit?: number;
  kvDiskHitCredit?: number;
  routerReplicas: number;
  routerReplicaSync?: boolean;
  routerReplicaSpread: string;
}

/** RouterOptions field → the flag that sets it (for one-line errors naming the flag). */
export const ROUTER_FLAG_OF: Readonly<Record<string, string>> = Object.freeze({
  workers: '--worker',
  kvEvents: '--kv-events',
  decodeWorkers: '--decode-worker',
  mode: '--router-mode',
  host: '--host',
  port: '--port',
  blockSize: '--block-size',
  overlapScoreWeight: '--kv-overlap-score-weight',
  temperature: '--router-temperature',
  routerTtlS: '--router-ttl',
  seed: '--seed',
  apiKey: '--api-key',
  maxModelLen: '--max-model-len',
  preprocess: '--no-preprocess',
  kvEventDelayMs: '--kv-event-delay-ms',
  kvEventLoss: '--kv-event-loss',
  loadRefreshMs: '--load-refresh-ms',
  kvCpuHitCredit: '--kv-cpu-hit-credit',
  kvDiskHitCredit: '--kv-disk-hit-credit',
  replicas: '--router-replicas',
  replicaSync: '--router-replica-sync',
  replicaSpread: '--router-replica-spread',
});

/** The replica settings of the flags (router-replicas.ts), as RouterOptions fields. */
export function replicaOptionsOf(f: Pick<RouterFlags, 'routerReplicas' | 'routerReplicaSync' | 'routerReplicaSpread'>): Pick<RouterOptions, 'replicas' | 'replicaSync' | 'replicaSpread'> {
  return { replicas: f.routerReplicas, replicaSync: f.routerReplicaSync ?? false, replicaSpread: f.routerReplicaSpread as RouterOptions['replicaSpread'] };
}

/** Flags → options validated by the router's schema (errors name the flag). */
export async function routerOptionsFromFlags(f: RouterFlags): Promise<RouterOptions> {
  const { resolveRouterOptions } = await import('../router-sim/server/options.ts');
  try {
    return resolveRouterOptions({
      workers: f.worker,
      kvEvents: f.kvEvents,
      decodeWorkers: f.decodeWorker ?? [],
      mode: f.routerMode,
      host: f.host,
      port: f.port,
      blockSize: f.blockSize,
      overlapScoreWeight: f.kvOverlapScoreWeight,
      temperature: f.routerTemperature,
      routerTtlS: f.routerTtl,
      seed: f.seed,
      apiKey: f.apiKey ?? null,
      maxModelLen: f.maxModelLen,
      preprocess: f.preprocess,
      kvEventDelayMs: f.kvEventDelayMs,
      kvEventLoss: f.kvEventLoss,
      loadRefreshMs: f.loadRefreshMs,
      kvCpuHitCredit: f.kvCpuHitCredit,
      kvDiskHitCredit: f.kvDiskHitCredit,
      ...replicaOptionsOf(f),
    });
  } catch (err) {
    throw asFlagError(err, ROUTER_FLAG_OF);
  }
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The router-policy flags shared by `kvlab router` and `kvlab cluster`. */
export function addRouterPolicyFlags(cmd: Command, defaultMode: RouterMode): Command {
  return cmd
    .option('--router-mode <mode>', `routing policy: ${ROUTER_MODES.join(', ')}`, defaultMode)
    .option('--kv-overlap-score-weight <w>', 'weight of the prefill term in the kv cost (0 = load only)', floatArg(), D.overlapScoreWeight)
    .option('--router-temperature <t>', '0 = pick the cheapest worker; > 0 = softmax sampling', floatArg(), D.temperature)
    .option('--router-ttl <s>', 'kv-approx: seconds a routed block is assumed cached; kv: how long a silent KV event stream is trusted', floatArg(), D.routerTtlS)
    .option('--no-preprocess', 'send kvlab workers the prompt text, not its token ids and block hashes')
    .option('--kv-event-delay-ms <ms>', 'kv: apply each KV event batch this long after it arrives (a stale signal)', floatArg(), D.kvEventDelayMs)
    .option('--kv-event-loss <p>', 'kv: drop this share of KV event batches, seeded by --seed (gaps are detected and the worker resynced)', floatArg(), D.kvEventLoss)
    .option('--load-refresh-ms <ms>', 'refresh the load the policy sees every this many ms (0 = always current)', floatArg(), D.loadRefreshMs)
    .option('--kv-cpu-hit-credit <c>', "kv: credit of a prefix block in a worker's CPU offload tier (default 0.75, Dynamo's)", floatArg())
    .option('--kv-disk-hit-credit <c>', "kv: credit of a prefix block in a worker's disk offload tier (default 0.25, Dynamo's)", floatArg())
    .option('--router-replicas <r>', 'run the router as R replicas behind a front spreader, each with its own in-flight view (every KV event reaches all)', intArg(), D.replicas)
    .option('--router-replica-sync', "replicas share in-flight load (Dynamo's --router-replica-sync)")
    .option('--router-replica-spread <how>', 'how the front spreads requests over replicas: round-robin or random (seeded by --seed)', nonEmptyArg(), D.replicaSpread);
}

export function registerRouter(program: Command): void {
  const cmd = program
    .command('router')
    .description('Run the KV-aware router (OpenAI-compatible proxy) in front of workers')
    .option('--worker <url>', 'worker base URL (repeat, in order)', collect, [])
    .option('--kv-events <endpoint>', "worker's KV-events ZeroMQ endpoint (repeat, in worker order)", collect, [])
    .option('--decode-worker <url>', "disaggregated prefill/decode: a decode worker's base URL (repeat); the --worker ones are then prefill workers, and each request goes to both (vLLM's kv_transfer_params)", collect, [])
    .option('--host <host>', 'bind address', nonEmptyArg(), D.host)
    .option('--port <port>', 'listen port (0 = ephemeral)', intArg(), D.port)
    .option('--block-size <n>', "tokens per KV block (the workers')", intArg(), D.blockSize)
    .option('--seed <n>', 'seed of random routing choices', intArg(), D.seed)
    .option('--api-key <key>', 'require Authorization: Bearer <key> (forwarded to workers)', nonEmptyArg())
    .option('--max-model-len <n>', "the workers' context length: prompts certainly longer (by bytes) get a 400 before tokenizing", intArg(), D.maxModelLen);
  addRouterPolicyFlags(addTokenizerFlag(cmd), 'kv').action(async (flags: RouterFlags) => {
    const opts = await routerOptionsFromFlags(flags);
    const tokenizer = await loadTokenizerFlag(flags.tokenizer);
    const { startRouter } = await import('../router-sim/server/index.ts');
    const router = await startRouter(opts, tokenizer);
    const out = process.stdout;
    const pd = opts.decodeWorkers.length > 0;
    await announceUntilSignal(() => {
      out.write(`kvlab router: ${opts.mode} routing on ${router.url}\n`);
      router.state.pool.endpoints.forEach((e, i) => out.write(`${e.name}${pd ? ' prefill' : ''} ${e.url}${opts.kvEvents[i] ? ` kv-events ${opts.kvEvents[i]}` : ''}\n`));
      opts.decodeWorkers.forEach((url, i) => out.write(`worker-${opts.workers.length + i} decode ${url}\n`));
    });
    await router.close();
    out.write('kvlab router: stopped\n');
  });
}
