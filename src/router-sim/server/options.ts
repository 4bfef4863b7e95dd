/**
 * The router's options: `DEFAULT_ROUTER_OPTIONS` is the one place defaults live; `resolveRouterOptions`
 * validates a partial object once (errors are `invalid_config` KvlabErrors naming the field) and
 * returns a frozen, complete one.
 */
import { makeError } from '../../core/errors.ts';
import { ROUTER_MODES, type RouterMode } from '../types.ts';

export interface RouterOptions {
  /** Worker base URLs (e.g. http://127.0.0.1:8001), in index order: worker i is named `worker-<i>`. */
  workers: string[];
  /** KV-events ZeroMQ endpoints (tcp://host:port), one per worker in the same order; required by `kv`. */
  kvEvents: string[];
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
  /** kv: overlap credits of blocks in a worker's CPU / disk offload tier (router-sim/tier-index.ts defaults when absent). */
  kvCpuHitCredit?: number;
  kvDiskHitCredit?: number;
}

export type ResolvedRouterOptions = Readonly<RouterOptions>;

export const DEFAULT_ROUTER_OPTIONS: Readonly<RouterOptions> = Object.freeze({
  workers: Object.freeze([]) as unknown as string[],
  kvEvents: Object.freeze([]) as unknown as string[],
  mode: 'round-robin' as RouterMode,
  host: '127.0.0.1',
  port: 8000,
  blockSize: 64,
  overlapScoreWeight: 1,
  temperature: 0,
  routerTtlS: 120,
  maxApproxBlocks: 1_000_000,
  seed: 0,
  apiKey: null,
  downForMs: 2000,
  healthCheckMs: 500,
  bodyLimit: 16 * 1024 * 1024,
  maxModelLen: 32768,
  connectionsPerWorker: 256,
  preprocess: true,
});

function bad(path: string, detail: string): never {
  throw makeError('invalid_config', { path, detail, param: path });
}

function num(v: unknown, path: string, min: number, opts: { int?: boolean; max?: number; exclusiveMin?: boolean } = {}): void {
  const max = opts.max ?? Infinity;
  const ok = typeof v === 'number' && Number.isFinite(v) && (opts.int ? Number.isInteger(v) : true) && (opts.exclusiveMin ? v > min : v >= min) && v <= max;
  if (!ok) bad(path, `must be ${opts.int ? 'an integer' : 'a number'} ${opts.exclusiveMin ? '>' : '>='} ${min}${max < Infinity ? ` and <= ${max}` : ''}, got ${String(v)}`);
}

export function resolveRouterOptions(partial: Partial<RouterOptions> = {}): ResolvedRouterOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const o: RouterOptions = { ...DEFAULT_ROUTER_OPTIONS, ...defined };
  if (!Array.isArray(o.workers) || o.workers.length === 0) bad('workers', 'at least one worker URL is required');
  const workers = o.workers.map((w, i) => {
    let u: URL;
    try {
      u = new URL(w);
    } catch {
      bad(`workers.${i}`, `not a URL: ${w}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') bad(`workers.${i}`, `must be an http(s) URL, got ${w}`);
    return u.origin;
  });
  if (!(ROUTER_MODES as readonly string[]).includes(o.mode)) bad('mode', `must be one of ${ROUTER_MODES.join(', ')}, got ${String(o.mode)}`);
  if (!Array.isArray(o.kvEvents)) bad('kvEvents', 'must be a list of endpoints');
  if (o.kvEvents.length > 0 && o.kvEvents.length !== workers.length) {
    bad('kvEvents', `give one KV-events endpoint per worker (${workers.length} workers, ${o.kvEvents.length} endpoints)`);
  }
  o.kvEvents.forEach((e, i) => {
    if (typeof e !== 'string' || !/^(tcp|ipc|inproc):\/\/.+/.test(e)) bad(`kvEvents.${i}`, `must be a ZeroMQ endpoint like tcp://127.0.0.1:5557, got ${String(e)}`);
  });
  if (o.mode === 'kv' && o.kvEvents.length === 0) bad('kvEvents', 'router mode kv needs --kv-events ENDPOINT for every worker (or use --router-mode kv-approx)');
  if (typeof o.host !== 'string' || o.host === '') bad('host', 'must be a non-empty string');
  num(o.port, 'port', 0, { int: true, max: 65535 });
  num(o.blockSize, 'blockSize', 1, { int: true });
  num(o.overlapScoreWeight, 'overlapScoreWeight', 0);
  num(o.temperature, 'temperature', 0);
  num(o.routerTtlS, 'routerTtlS', 0, { exclusiveMin: true });
  num(o.maxApproxBlocks, 'maxApproxBlocks', 1, { int: true });
  num(o.seed, 'seed', Number.MIN_SAFE_INTEGER, { int: true });
  if (o.apiKey !== null && (typeof o.apiKey !== 'string' || o.apiKey === '')) bad('apiKey', 'must be a non-empty string or null');
  num(o.downForMs, 'downForMs', 0);
  num(o.healthCheckMs, 'healthCheckMs', 1);
  num(o.bodyLimit, 'bodyLimit', 1, { int: true });
  num(o.maxModelLen, 'maxModelLen', 1, { int: true });
  num(o.connectionsPerWorker, 'connectionsPerWorker', 1, { int: true });
  if (typeof o.preprocess !== 'boolean') bad('preprocess', `must be a boolean, got ${String(o.preprocess)}`);
  if (o.kvCpuHitCredit !== undefined) num(o.kvCpuHitCredit, 'kvCpuHitCredit', 0, { max: 1 });
  if (o.kvDiskHitCredit !== undefined) num(o.kvDiskHitCredit, 'kvDiskHitCredit', 0, { max: 1 });
  return Object.freeze({ ...o, workers: Object.freeze(workers) as unknown as string[], kvEvents: Object.freeze([...o.kvEvents]) as unknown as string[] });
}
