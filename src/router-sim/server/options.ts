/**
 * The router's options: `DEFAULT_ROUTER_OPTIONS` is the one place defaults live, `RouterOptionsSchema`
 * the one place their types and ranges live; `resolveRouterOptions` validates a partial object once
 * against it (errors are `invalid_config` KvlabErrors naming the field) and returns a frozen, complete
 * one.
 */
import { Type } from '@sinclair/typebox';
import { bool, checkOptions, httpUrl, int, invalid, nonEmpty, nullable, num, oneOf } from '../../core/schema.ts';
import { REPLICA_SPREADS, ROUTER_MODES, type ReplicaSpread, type RouterMode } from '../types.ts';
import { DEFAULT_ROUTER_OPTIONS } from './option-defaults.ts';

export interface RouterOptions {
  /** Worker base URLs (e.g. http://127.0.0.1:8001), in index order: worker i is named `worker-<i>`. */
  workers: string[];
  /** KV-events ZeroMQ endpoints (tcp://host:port), one per worker in the same order; required by `kv`. */
  kvEvents: string[];
  /**
   * Disaggregated prefill/decode (pd-proxy.ts): decode worker URLs. When set, `workers` are the prefill
   * workers (routed by the mode's policy, fed by their KV events) and these decode workers are picked
   * by decode load; they are named `worker-<P + i>`. Empty (the default): aggregated.
   */
  decodeWorkers: string[];
  mode: RouterMode;
  host: string;
  /** 0 = ephemeral. */
  port: number;
  /** Tokens per KV block; must match the workers' block size for overlaps to mean anything. */
  blockSize: number;
  /** Weight of the prefill term in the kv cost (0 = pure load balancing). */
  overlapScoreWeight: number;
  /** 0 = argmin; > 0 = softmax sampling over normalised costs. */
  temperature: number;
  /** kv-approx: seconds a routed block is assumed cached. */
  routerTtlS: number;
  /** kv-approx: bound on (worker, block) entries. */
  maxApproxBlocks: number;
  seed: number;
  /** Required `Authorization: Bearer` key for clients (also forwarded to workers as sent); null → open. */
  apiKey: string | null;
  /** How long a failing worker stays down before health checks start, ms. */
  downForMs: number;
  /** Health-check period while a worker is down, ms. */
  healthCheckMs: number;
  /** Largest accepted request body, bytes (larger → 413 before parsing). */
  bodyLimit: number;
  /**
   * The workers' context length, tokens: a prompt of more than maxModelLen × 128 UTF-8 bytes is certainly
   * longer and gets a 400 from the router without being tokenized (the worker checks the exact length).
   * Raise it for backends with a longer context.
   */
  maxModelLen: number;
  /** Undici connections per worker. */
  connectionsPerWorker: number;
  /**
   * Hand kvlab workers (those whose /health advertises it, core/preprocessed) the prompt tokenized and
   * hashed instead of its text (default true); other servers always get the request as sent.
   */
  preprocess: boolean;
  /** KV event batches are applied this many ms after they arrive (a stale signal; default 0). */
  kvEventDelayMs: number;
  /** Share of KV event batches dropped on arrival, seeded by `seed` (a lossy signal; default 0). */
  kvEventLoss: number;
  /** Period of the load signal policies see, ms (0 = always current). */
  loadRefreshMs: number;
  /** Router replicas behind a front spreader, each with its own in-flight view (router-replicas.ts; default 1). */
  replicas: number;
  /** Replicas share in-flight load, as Dynamo's --router-replica-sync (default false). */
  replicaSync: boolean;
  /** How the front spreads requests over replicas (default round-robin). */
  replicaSpread: ReplicaSpread;
  /** kv: overlap credits of blocks in a worker's CPU / disk offload tier (router-sim/tier-index.ts defaults when absent). */
  kvCpuHitCredit?: number;
  kvDiskHitCredit?: number;
}

export type ResolvedRouterOptions = Readonly<RouterOptions>;

export { DEFAULT_ROUTER_OPTIONS } from './option-defaults.ts';

/** One schema per option (core/schema.ts): the one place their types and ranges live. */
export const ROUTER_OPTION_FIELDS = Object.freeze({
  workers: Type.Array(httpUrl(), { minItems: 1, expected: 'at least one http(s) worker URL' }),
  kvEvents: Type.Array(Type.String({ pattern: '^(tcp|ipc|inproc)://.+', expected: 'a ZeroMQ endpoint like tcp://127.0.0.1:5557' })),
  decodeWorkers: Type.Array(httpUrl()),
  mode: oneOf(ROUTER_MODES),
  host: nonEmpty(),
  port: int(0, 65535),
  blockSize: int(1),
  overlapScoreWeight: num({ min: 0 }),
  temperature: num({ min: 0 }),
  routerTtlS: num({ min: 0, exclusiveMin: true }),
  maxApproxBlocks: int(1),
  seed: int(),
  apiKey: nullable(nonEmpty()),
  downForMs: num({ min: 0 }),
  healthCheckMs: num({ min: 1 }),
  bodyLimit: int(1),
  maxModelLen: int(1),
  connectionsPerWorker: int(1),
  preprocess: bool(),
  kvEventDelayMs: num({ min: 0 }),
  kvEventLoss: num({ min: 0, max: 1 }),
  loadRefreshMs: num({ min: 0 }),
  replicas: int(1, 1024),
  replicaSync: bool(),
  replicaSpread: oneOf(REPLICA_SPREADS),
  kvCpuHitCredit: Type.Optional(num({ min: 0, max: 1 })),
  kvDiskHitCredit: Type.Optional(num({ min: 0, max: 1 })),
});

export const RouterOptionsSchema = Type.Object(ROUTER_OPTION_FIELDS, { additionalProperties: false });

/** Fill defaults, validate every field (the schema, then the KV-event endpoints against the workers), freeze. */
export function resolveRouterOptions(partial: Partial<RouterOptions> = {}): ResolvedRouterOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const o: RouterOptions = { ...DEFAULT_ROUTER_OPTIONS, ...defined };
  checkOptions(RouterOptionsSchema, o);
  const workers = o.workers.map((w) => new URL(w).origin);
  if (o.kvEvents.length > 0 && o.kvEvents.length !== workers.length) {
    invalid('kvEvents', `give one KV-events endpoint per worker (${workers.length} workers, ${o.kvEvents.length} endpoints)`);
  }
  if (o.mode === 'kv' && o.kvEvents.length === 0) invalid('kvEvents', 'router mode kv needs --kv-events ENDPOINT for every worker (or use --router-mode kv-approx)');
  const decodeWorkers = o.decodeWorkers.map((w) => new URL(w).origin);
  return Object.freeze({ ...o, workers: Object.freeze(workers) as unknown as string[], kvEvents: Object.freeze([...o.kvEvents]) as unknown as string[], decodeWorkers: Object.freeze(decodeWorkers) as unknown as string[] });
}
