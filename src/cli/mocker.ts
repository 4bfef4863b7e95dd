/**
 * `kvlab mocker`: parse flags into MockerOptions, start the workers, print where they listen, and stop
 * cleanly on SIGINT/SIGTERM. Thin: flags parse only their syntax (a number, a list); types and ranges
 * are the mocker's schema's (resolveMockerOptions), serving is src/mocker's.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { HASH_ALGOS, type HashAlgo } from '../core/vllm-block-hash.ts';
import { makeError } from '../core/errors.ts';
// Light imports only: the server (fastify, tokenizer tables) is loaded when the command runs, so flag
// errors and --help answer fast.
import { loadProfile } from '../mocker/engine/profile.ts';
import { blocksOfGib } from '../mocker/engine/offload-tiers.ts';
import { DISAGGREGATION_MODES, type DisaggregationMode } from '../mocker/engine/types.ts';
import { DEFAULT_MOCKER_OPTIONS as D } from '../mocker/server/option-defaults.ts';
import type { MockerOptions } from '../mocker/server/options.ts';
import type { SchedulingPolicy } from '../mocker/engine/types.ts';
import { enumArg, floatArg, intArg, intListArg, nonEmptyArg } from './flags.ts';
import { asFlagError, kebabFlag } from './flag-errors.ts';
import { addDeploymentFlags, type DeploymentFlags } from './deployment-flags.ts';
import { deploymentOverrides } from './mocker-deployment.ts';
import { announceUntilSignal } from './signals.ts';
import { loadTokenizerFlag, TOKENIZER_FLAG_HELP } from './tokenizer-flag.ts';

interface MockerFlags extends Omit<DeploymentFlags, 'model' | 'tp'> {
  tp?: number;
  numWorkers: number;
  host: string;
  port: number;
  model: string;
  blockSize: number;
  numGpuBlocks: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  prefixCaching: boolean;
  chunkedPrefill: boolean;
  watermark: number;
  speedupRatio: number;
  decodeSpeedupRatio: number;
  maxModelLen: number;
  profile?: string;
  reasoningRatio: number;
  kvEventsPort?: number;
  kvEventTokenIds: boolean;
  prefixCachingHashAlgo: HashAlgo;
  hashSeed: string;
  apiKey?: string;
  seed: number;
  failureRate: number;
  failureCodes: number[];
  maxWaiting?: number;
  maxTokensLimit?: number;
  defaultMaxTokens: number;
  bodyLimit: number;
  /** `--tokenizer` path (loaded by the command, not a MockerOptions field). */
  tokenizer?: string;
  kvCpuBlocks?: number;
  kvDiskBlocks?: number;
  kvCpuBandwidthGbps?: number;
  kvDiskBandwidthGbps?: number;
  kvBytesPerToken?: number;
  kvCpuGib?: number;
  kvDiskGib?: number;
  schedulingPolicy?: SchedulingPolicy;
  disaggregationMode?: DisaggregationMode;
  kvTransferBandwidthGbps?: number;
  kvTransferLatencyMs?: number;
}

/** `--prefix-caching-hash-algo`: Python's `builtin` hash() (older vLLM) is named but refused. */
function hashAlgoArg(raw: string): HashAlgo {
  if (raw === 'builtin') {
    throw new InvalidArgumentError(`vLLM's 'builtin' is Python's hash(), randomised per process (PYTHONHASHSEED) and gone from current vLLM; not reproduced: use sha256, sha256_cbor or builtin-kvlab.`);
  }
  return enumArg(HASH_ALGOS)(raw);
}

/** MockerOptions fields whose flag is not the field's kebab-case. */
const FLAG_OF: Readonly<Record<string, string>> = Object.freeze({
  kvEventTokenIds: '--no-kv-event-token-ids',
  enablePrefixCaching: '--no-prefix-caching',
  enableChunkedPrefill: '--no-chunked-prefill',
});

function readProfile(file: string): MockerOptions['profile'] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw makeError('bad_flag', { flag: '--profile', detail: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
  }
  try {
    return loadProfile(JSON.parse(text));
  } catch (err) {
    throw makeError('bad_flag', { flag: '--profile', detail: `${file}: ${(err as Error).message}` });
  }
}

/**
 * Flags → options validated by the mocker's schema (errors become one-line `bad_flag` errors naming
 * the flag); `over` wins over the flags (a deployment's settings).
 */
export async function mockerOptionsFromFlags(f: MockerFlags, over: Partial<MockerOptions> = {}): Promise<MockerOptions> {
  const { resolveMockerOptions } = await import('../mocker/server/options.ts');
  const partial: Partial<MockerOptions> = {
    numWorkers: f.numWorkers,
    host: f.host,
    port: f.port,
    model: f.model,
    blockSize: f.blockSize,
    numGpuBlocks: f.numGpuBlocks,
    maxNumSeqs: f.maxNumSeqs,
    maxNumBatchedTokens: f.maxNumBatchedTokens,
    enablePrefixCaching: f.prefixCaching,
    enableChunkedPrefill: f.chunkedPrefill,
    watermark: f.watermark,
    speedupRatio: f.speedupRatio,
    decodeSpeedupRatio: f.decodeSpeedupRatio,
    maxModelLen: f.maxModelLen,
    profile: f.profile !== undefined && over.profile === undefined ? readProfile(f.profile) : null,
    reasoningRatio: f.reasoningRatio,
    kvEventsPort: f.kvEventsPort ?? null,
    kvEventTokenIds: f.kvEventTokenIds,
    prefixCachingHashAlgo: f.prefixCachingHashAlgo,
    hashSeed: f.hashSeed,
    apiKey: f.apiKey ?? null,
    seed: f.seed,
    failureRate: f.failureRate,
    failureCodes: f.failureCodes,
    maxWaiting: f.maxWaiting ?? null,
    maxTokensLimit: f.maxTokensLimit ?? null,
    defaultMaxTokens: f.defaultMaxTokens,
    bodyLimit: f.bodyLimit,
    kvCpuBlocks: f.kvCpuBlocks,
    kvDiskBlocks: f.kvDiskBlocks,
    kvCpuBandwidthGbps: f.kvCpuBandwidthGbps,
    kvDiskBandwidthGbps: f.kvDiskBandwidthGbps,
    kvBytesPerToken: f.kvBytesPerToken,
    schedulingPolicy: f.schedulingPolicy,
    disaggregationMode: f.disaggregationMode,
    kvTransferBandwidthGbps: f.kvTransferBandwidthGbps,
    kvTransferLatencyMs: f.kvTransferLatencyMs,
    ...over,
  };
  tierSizesFromGib(f, partial);
  try {
    return resolveMockerOptions(partial);
  } catch (err) {
    throw asFlagError(err, FLAG_OF);
  }
}

/**
 * `--kv-cpu-gib` / `--kv-disk-gib`: tier sizes in GiB, turned into blocks with the model's KV bytes per
 * token (known with --model/--gpu, or from --kv-bytes-per-token), written into `partial`.
 */
function tierSizesFromGib(f: MockerFlags, partial: Partial<MockerOptions>): void {
  for (const [gibKey, blocksKey, flag] of [['kvCpuGib', 'kvCpuBlocks', '--kv-cpu-gib'], ['kvDiskGib', 'kvDiskBlocks', '--kv-disk-gib']] as const) {
    const gib = f[gibKey];
    if (gib === undefined) continue;
    if (f[blocksKey] !== undefined) throw makeError('bad_flag', { flag, detail: `give the tier's size once: ${flag} or ${kebabFlag(blocksKey)}` });
    if (partial.kvBytesPerToken === undefined) throw makeError('bad_flag', { flag, detail: "needs the model's KV bytes per token: time the workers as a model (--model M --gpu G) or give --kv-bytes-per-token" });
    partial[blocksKey] = blocksOfGib(gib, partial.kvBytesPerToken, partial.blockSize ?? D.blockSize);
  }
}

/** Start the workers, print them, and resolve once a signal has stopped them. */
async function runMocker(opts: MockerOptions, tokenizerPath: string | undefined): Promise<void> {
  const tokenizer = await loadTokenizerFlag(tokenizerPath);
  const { startMocker } = await import('../mocker/server/start.ts');
  const mocker = await startMocker(opts, tokenizer);
  const out = process.stdout;
  await announceUntilSignal(() => {
    out.write(`kvlab mocker: ${mocker.workers.length} worker(s) serving model ${opts.model}\n`);
    for (const w of mocker.workers) out.write(`${w.name} ${w.url}${w.kvEventsEndpoint ? ` kv-events ${w.kvEventsEndpoint}` : ''}\n`);
  });
  await mocker.close();
  out.write('kvlab mocker: stopped\n');
}

/**
 * Add the mocker's flags to `cmd` (one table for `kvlab mocker` and `kvlab cluster`), except those whose
 * long name is in `except` (flags the other command defines its own way).
 */
export function addMockerFlags(cmd: Command, except: ReadonlySet<string> = new Set()): Command {
  const add = (flags: string, description: string, parse?: (v: string, prev: never) => unknown, defaultValue?: unknown): void => {
    const long = flags.split(/[ ,]/)[0];
    if (except.has(long)) return;
    if (parse) cmd.option(flags, description, parse as (v: string) => unknown, defaultValue);
    else if (defaultValue !== undefined) cmd.option(flags, description, defaultValue as string);
    else cmd.option(flags, description);
  };
  add('--num-workers <n>', 'workers in this process (worker i listens on port + i)', intArg(), D.numWorkers);
  add('--host <host>', 'bind address', nonEmptyArg(), D.host);
  add('--port <port>', 'first worker port (0 = ephemeral ports)', intArg(), D.port);
  add('--model <name>', 'served model name; with --gpu a catalogue model (Hugging Face id) or config.json, timed as that model', nonEmptyArg(), D.model);
  add('--block-size <n>', 'tokens per KV block', intArg(), D.blockSize);
  add('--num-gpu-blocks <n>', 'KV capacity in blocks', intArg(), D.numGpuBlocks);
  add('--max-num-seqs <n>', 'running sequences at most', intArg(), D.maxNumSeqs);
  add('--max-num-batched-tokens <n>', 'token budget of one engine step', intArg(), D.maxNumBatchedTokens);
  add('--no-prefix-caching', 'disable prefix caching');
  add('--no-chunked-prefill', 'disable chunked prefill');
  add('--watermark <f>', 'share of blocks kept free at admission, in [0, 1)', floatArg(), D.watermark);
  add('--speedup-ratio <f>', 'divides every simulated duration', floatArg(), D.speedupRatio);
  add('--decode-speedup-ratio <f>', 'extra divisor for decode steps', floatArg(), D.decodeSpeedupRatio);
  add('--max-model-len <n>', 'context length (longer requests get a 400)', intArg(), D.maxModelLen);
  add('--profile <file>', 'timing profile JSON (polynomial or table; with --gpu a roofline profile, e.g. from kvlab calibrate)');
  add('--reasoning-ratio <f>', 'share of each chat answer sent as reasoning_content', floatArg(), D.reasoningRatio);
  add('--kv-events-port <port>', 'first worker KV-events ZeroMQ PUB port (0 = ephemeral; off when absent)', intArg());
  add('--no-kv-event-token-ids', "KV events carry block hashes only (enough for a kvlab router; vLLM's format has token ids)");
  add('--prefix-caching-hash-algo <algo>', `block hashes in KV events: ${HASH_ALGOS.join(' or ')} (vLLM's, needs token ids in the events)`, hashAlgoArg, D.prefixCachingHashAlgo);
  add('--hash-seed <seed>', "vLLM's PYTHONHASHSEED for sha256_cbor and sha256 block hashes", undefined, D.hashSeed);
  add('--api-key <key>', 'require Authorization: Bearer <key> on /v1 routes', nonEmptyArg());
  add('--seed <n>', 'seed of output lengths, tokens and injected failures', intArg(), D.seed);
  add('--failure-rate <f>', 'share of requests failed on purpose', floatArg(), D.failureRate);
  add('--failure-codes <list>', 'statuses of injected failures, comma-separated', intListArg(), D.failureCodes);
  add('--max-waiting <n>', 'waiting-queue bound (429 beyond it; unbounded when absent)', intArg());
  add('--max-tokens-limit <n>', 'largest accepted max_tokens (default: max-model-len)', intArg());
  add('--default-max-tokens <n>', 'answer cap when a request sets no max_tokens', intArg(), D.defaultMaxTokens);
  add('--body-limit <bytes>', 'largest request body (413 beyond it)', intArg(), D.bodyLimit);
  add('--tokenizer <path>', TOKENIZER_FLAG_HELP);
  add('--kv-cpu-blocks <n>', 'KV offload: blocks of a CPU tier below GPU memory (off when absent)', intArg());
  add('--kv-disk-blocks <n>', 'KV offload: blocks of a disk tier below the CPU tier', intArg());
  add('--kv-cpu-bandwidth-gbps <f>', 'GPU↔CPU link bandwidth, GB/s, shared by transfers (default 14, the Dynamo mocker\'s)', floatArg());
  add('--kv-disk-bandwidth-gbps <f>', 'CPU↔disk link bandwidth, GB/s (default 7, the Dynamo mocker\'s)', floatArg());
  add('--kv-cpu-gib <g>', "KV offload: the CPU tier's size in GiB, from the model's KV bytes per token (instead of --kv-cpu-blocks)", floatArg());
  add('--kv-disk-gib <g>', "KV offload: the disk tier's size in GiB (instead of --kv-disk-blocks)", floatArg());
  add('--scheduling-policy <policy>', "vLLM's scheduling policy: fcfs, or priority (requests' `priority`, lower first, then arrival; default fcfs)", nonEmptyArg());
  add('--kv-bytes-per-token <n>', "KV bytes per token sizing transfers (default 131072, Llama-3.1-8B fp16; with --gpu the model's)", floatArg());
  add('--disaggregation-mode <mode>', `P/D: ${DISAGGREGATION_MODES.join(' or ')} worker, honouring vLLM's kv_transfer_params (aggregated when absent)`, enumArg(DISAGGREGATION_MODES));
  add('--kv-transfer-bandwidth-gbps <f>', "P/D: a decode worker's KV ingress bandwidth, GB/s, shared by its transfers (default 64, the Dynamo mocker's)", floatArg());
  add('--kv-transfer-latency-ms <f>', 'P/D: fixed latency of each KV transfer, ms (default 1)', floatArg());
  return cmd;
}

/** The options of a mocker (or cluster) command: the flags, and with --gpu the deployment's settings. */
export async function mockerOptionsOf(cmd: Command, flags: MockerFlags, fixed: Partial<MockerFlags> = {}): Promise<MockerOptions> {
  const over = await deploymentOverrides({ ...flags, tp: flags.tp ?? 1 }, (key) => cmd.getOptionValueSource(key) === 'cli');
  return await mockerOptionsFromFlags({ ...flags, ...fixed }, over ?? {});
}

export function registerMocker(program: Command): void {
  const cmd = program.command('mocker').description('Run mock OpenAI-compatible inference workers (vLLM-like engine, KV events, metrics); --model M --gpu G times them as a real deployment');
  addDeploymentFlags(addMockerFlags(cmd), false).action(async (flags: MockerFlags) => {
    await runMocker(await mockerOptionsOf(cmd, flags), flags.tokenizer);
  });
}
