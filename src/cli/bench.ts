/**
 * `kvlab bench <workload>`: one subcommand per workload (multiturn, documents, conversations,
 * prefix-ratio, trace) sharing the target/output flags. Thin: flags → BenchCommandOptions →
 * `benchCommand` (src/client). Wires Ctrl-C/SIGTERM to an AbortSignal (a second Ctrl-C exits at once)
 * and ends with the command's code (CliExit): 1 when more requests failed than --max-failed-share,
 * 99 when a threshold failed, 130 when interrupted.
 */
import { Command, Option } from 'commander';
import { makeError } from '../core/errors.ts';
// Light imports only: the client (undici, tokenizer tables, exceljs) is loaded when a command runs,
// so --help and flag errors answer fast.
import type { BenchCommandOptions } from '../client/bench-command.ts';
import {
  CONVERSATIONS_DEFAULTS,
  DOCUMENTS_DEFAULTS,
  MULTITURN_DEFAULTS,
  PREFIX_RATIO_DEFAULTS,
  SHARED_PREFIX_DEFAULTS,
  TRACE_DEFAULTS,
} from '../client/workloads/defaults.ts';
import { DEFAULT_DOCUMENTS_DIR } from '../client/workloads/documents-loader.ts';
import { DEFAULT_TRACE_FILE } from '../client/workloads/trace-loader.ts';
import { DEFAULT_MAX_FAILED_SHARE } from '../client/bench-defaults.ts';
import type { WorkloadName } from '../client/workloads/index.ts';
import { CliExit } from './exit.ts';
import { floatArg, intArg, nonEmptyArg } from './flags.ts';
import { asFlagError } from './flag-errors.ts';
import { withAbort } from './signals.ts';
import { loadTokenizerFlag } from './tokenizer-flag.ts';
import { shardArg } from './shard-flag.ts';

export const DEFAULT_URL = 'http://127.0.0.1:8000';

export interface SharedFlags {
  url?: string[];
  model?: string;
  apiKey?: string;
  header: string[];
  output?: string;
  outputDir?: string;
  label?: string;
  timeout?: number;
  maxRetries: number;
  json?: boolean;
  threshold: string[];
  goodput?: string;
  seed?: number;
  stream: boolean;
  overwrite?: boolean;
  maxFailedShare: number;
  resetCache?: boolean;
  /** undefined: the workload's own default; false: --no-warmup. */
  warmup?: number | false;
  tokenizer?: string;
  shard?: { index: number; count: number };
  priorityShare?: number;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function addShared(cmd: Command): Command {
  return cmd
    .option('--url <url>', `target base URL, repeatable: conversations are split round-robin (default ${DEFAULT_URL})`, collect)
    .option('--model <name>', 'served model (default: the first of GET /v1/models)', nonEmptyArg())
    .option('--api-key <key>', 'Bearer token (default: $OPENAI_API_KEY)', nonEmptyArg())
    .option('--header <header>', "extra request header 'Name: value', repeatable", collect, [])
    .option('--output <dir>', 'write requests.jsonl and run.json into this folder, new or empty (default: a new results/<workload>-<timestamp>)')
    .addOption(new Option('--output-dir <dir>', 'alias of --output').hideHelp())
    .option('--overwrite', "replace the run an existing --output folder holds (kvlab's files only; others are kept)")
    .option('--label <label>', 'label written into every record and run.json')
    .option('--timeout <seconds>', 'per-request timeout in seconds (0: none)', floatArg({ min: 0 }), 600)
    .option('--max-retries <n>', 'retries of connection errors, 429 and 5xx (exponential backoff)', intArg({ min: 0, max: 100 }), 0)
    .option('--json', 'print the run.json content instead of the summary')
    .option('--max-failed-share <share>', 'exit 1 when more than this share of requests failed, 0-1', floatArg({ min: 0, max: 1 }), DEFAULT_MAX_FAILED_SHARE)
    .option('--warmup <n>', "unmeasured requests before the run: the first turns, tagged so they share no cached block with it; documents: llm-d's short questions (default: documents 20, others 0)", intArg({ min: 0 }))
    .option('--no-warmup', 'send no warm-up requests (same as --warmup 0)')
    .option('--reset-cache', "reset the server's prefix cache before measuring, after any warm-up (POST /reset_prefix_cache; SGLang: /flush_cache)")
    .option('--threshold <expr>', "pass/fail threshold, e.g. 'ttft_ms:p95<500' (repeatable; a failure exits 99)", collect, [])
    .option('--goodput <slos>', "SLOs for goodput, e.g. 'ttft_ms:500,tpot_ms:50'")
    .option('--seed <n>', 'seed of the workload, sampling and retry jitter', intArg())
    .option('--no-stream', 'send non-streaming requests (no TTFT/ITL)')
    .option('--tokenizer <path>', "the served model's Hugging Face tokenizer (folder or tokenizer.json): multiturn, shared-prefix and prefix-ratio prompts are drawn from its single-token words (exact lengths in its tokens), and it counts the tokens an answer's usage leaves out (default o200k_base)")
    .option('--priority-share <p>', "share of conversations (users, seeded) sent as a priority class: vLLM's request priority -1 (others none); TTFT is reported per class", floatArg({ min: 0, max: 1 }))
    .option('--shard <i/n>', 'run shard I of N (I from 0): every N-th conversation from the I-th, 1/N of the load; `kvlab merge` joins the shards', shardArg());
}

export function sharedOptions(f: SharedFlags, signal: AbortSignal): BenchCommandOptions['shared'] {
  if (f.output && f.outputDir && f.output !== f.outputDir) {
    throw makeError('bad_flag', { flag: '--output', detail: 'give --output or --output-dir, not both' });
  }
  return {
    urls: f.url && f.url.length > 0 ? f.url : [DEFAULT_URL],
    model: f.model ?? null,
    apiKey: f.apiKey ?? process.env.OPENAI_API_KEY ?? null,
    headers: f.header,
    outputDir: f.output ?? f.outputDir ?? null,
    label: f.label ?? null,
    timeoutMs: f.timeout === undefined ? undefined : f.timeout * 1000,
    maxRetries: f.maxRetries,
    json: f.json ?? false,
    thresholds: f.threshold,
    goodput: f.goodput ?? null,
    seed: f.seed,
    stream: f.stream ? undefined : false,
    overwrite: f.overwrite ?? false,
    maxFailedShare: f.maxFailedShare,
    warmupRequests: f.warmup === false ? 0 : f.warmup,
    resetCache: f.resetCache ?? false,
    shard: f.shard,
    priorityShare: f.priorityShare,
    signal,
  };
}

/** Workload parameters whose flag is not the parameter's kebab-case. */
const PARAM_FLAG_OF: Readonly<Record<string, string>> = Object.freeze({
  prefixRatio: '--prefix-ratios',
  input: '--input-file',
  documents: '--seed-documents',
});

const toFlagError = (err: unknown): unknown => asFlagError(err, PARAM_FLAG_OF);

/**
 * The shared flags that hold expressions (URLs, thresholds, SLOs, headers), parsed once before
 * anything runs so a bad one is a usage error (exit 2) naming its flag; the parsers are the client's own.
 */
async function checkSharedFlags(s: BenchCommandOptions['shared']): Promise<void> {
  const [{ apiBase }, { parseThreshold }, { parseSlos }, { parseHeaderFlag }] = await Promise.all([
    import('../client/http/transport.ts'),
    import('../client/report/thresholds.ts'),
    import('../core/goodput.ts'),
    import('../client/http/headers.ts'),
  ]);
  const check = (flag: string, parse: () => unknown): void => {
    try {
      parse();
    } catch (err) {
      throw makeError('bad_flag', { flag, detail: (err as Error).message });
    }
  };
  for (const url of s.urls) check('--url', () => apiBase(url));
  for (const t of s.thresholds ?? []) check('--threshold', () => parseThreshold(t));
  if (s.goodput) check('--goodput', () => parseSlos(s.goodput!));
  for (const h of s.headers ?? []) check('--header', () => parseHeaderFlag(h));
}

/**
 * Run a bench command with Ctrl-C/SIGTERM wired to its abort signal. A non-zero code (99 thresholds,
 * 130 interrupted) ends the process through CliExit; a second Ctrl-C ends it at once with 130.
 */
async function run(build: (signal: AbortSignal) => BenchCommandOptions, tokenizerPath?: string): Promise<void> {
  const tokenizer = await loadTokenizerFlag(tokenizerPath);
  const code = await withAbort('kvlab bench: interrupted, finishing in-flight requests', async (signal) => {
    let options: BenchCommandOptions;
    try {
      options = build(signal);
      if (tokenizer) options.shared.tokenizer = tokenizer;
    } catch (err) {
      throw toFlagError(err);
    }
    await checkSharedFlags(options.shared);
    const { benchCommand } = await import('../client/bench-command.ts');
    try {
      return await benchCommand(options, {
        stdout: process.stdout,
        stderr: process.stderr,
        tty: Boolean(process.stdout.isTTY),
        progressTty: Boolean(process.stderr.isTTY),
      });
    } catch (err) {
      throw toFlagError(err);
    }
  });
  // 1 (requests failed; the summary said why), 99 (thresholds) and 130 (interrupted) are not errors
  // to report again: end with the code itself.
  if (code !== 0) throw new CliExit(code);
}

const d = (v: unknown): string => `(default ${String(v)})`;

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('Benchmark an OpenAI-compatible endpoint with a workload (multiturn, documents, conversations, prefix-ratio, trace, shared-prefix)');

  addShared(
    bench
      .command('multiturn')
      .description("Dynamo multiturn_bench: concurrent users, lorem turns, exponential think time")
      .option('--num-users <n>', `concurrent users ${d(MULTITURN_DEFAULTS.numUsers)}`, intArg())
      .option('--num-turns <n>', `turns per user ${d(MULTITURN_DEFAULTS.numTurns)}`, intArg())
      .option('--num-user-tokens <n>', `tokens per user message ${d(MULTITURN_DEFAULTS.numUserTokens)}`, intArg())
      .option('--system-prompt-tokens <n>', `tokens of each user's own system prompt ${d(MULTITURN_DEFAULTS.systemPromptTokens)}`, intArg({ min: 0 }))
      .option('--max-completion-tokens <n>', `max tokens per answer ${d(MULTITURN_DEFAULTS.maxCompletionTokens)}`, intArg())
      .option('--ignore-eos', `send ignore_eos ${d(MULTITURN_DEFAULTS.ignoreEos)}`)
      .option('--no-ignore-eos', 'do not send ignore_eos')
      .option('--mean-delay-ms <ms>', `mean think time between turns ${d(MULTITURN_DEFAULTS.meanDelayMs)}`, floatArg())
      .option('--speculative-prefill', 'ask the router to pre-warm the next turn (nvext.agent_hints)')
      .option('--ping', 'smoke test: one short request, printed verbosely; non-zero exit when it fails'),
  ).action(async (f: SharedFlags & Record<string, unknown>) => {
    await run((signal) => ({
      workload: 'multiturn',
      shared: sharedOptions(f, signal),
      ping: Boolean(f.ping),
      params: {
        numUsers: f.numUsers,
        numTurns: f.numTurns,
        numUserTokens: f.numUserTokens,
        systemPromptTokens: f.systemPromptTokens,
        maxCompletionTokens: f.maxCompletionTokens,
        ignoreEos: f.ignoreEos,
        meanDelayMs: f.meanDelayMs,
        speculativePrefill: f.speculativePrefill,
        seed: f.seed,
      },
    }), f.tokenizer);
  });

  addShared(
    bench
      .command('documents')
      .description('llm-d multi-turn benchmark: conversations about seed documents (CODE/TEXT)')
      .option('-d, --seed-documents <dir>', `folder of seed documents (default ${DEFAULT_DOCUMENTS_DIR})`)
      .option('-c, --conversations <n>', `conversations ${d(DOCUMENTS_DEFAULTS.conversations)}`, intArg())
      .option('-t, --turns <n>', `turns per conversation ${d(DOCUMENTS_DEFAULTS.turns)}`, intArg())
      .option('-m, --max-tokens <n>', `max tokens per answer ${d(DOCUMENTS_DEFAULTS.maxTokens)}`, intArg())
      .option('-p, --parallel <n>', `workers, each with one turn (or its pause) under way ${d(DOCUMENTS_DEFAULTS.parallel)}`, intArg())
      .option('--min-delay <s>', `min pause before each turn, seconds ${d(DOCUMENTS_DEFAULTS.minDelay)}`, floatArg())
      .option('--max-delay <s>', `max pause before each turn, seconds ${d(DOCUMENTS_DEFAULTS.maxDelay)}`, floatArg())
      .option('--no-first-turn-delay', 'send turn 1 at once instead of after a pause')
      .option('--no-interleave-turns', "run each conversation to its end on one worker instead of llm-d's turn queue")
      .option('--ignore-eos', 'send ignore_eos (exact answer lengths)')
      .option('-v, --verbose', 'print every request'),
  ).action(async (f: SharedFlags & Record<string, unknown>) => {
    await run((signal) => ({
      workload: 'documents',
      shared: sharedOptions(f, signal),
      documentsDir: f.seedDocuments as string | undefined,
      verbose: Boolean(f.verbose),
      params: {
        conversations: f.conversations,
        turns: f.turns,
        maxTokens: f.maxTokens,
        parallel: f.parallel,
        minDelay: f.minDelay,
        maxDelay: f.maxDelay,
        firstTurnDelay: f.firstTurnDelay,
        interleaveTurns: f.interleaveTurns,
        ignoreEos: f.ignoreEos,
        seed: f.seed,
      },
    }), f.tokenizer);
  });

  addShared(
    bench
      .command('conversations')
      .description('vLLM benchmark_serving_multi_turn: generate_conversations spec or ShareGPT file, N clients')
      .requiredOption('-i, --input-file <file>', 'generate_conversations spec or ShareGPT-style JSON list')
      .option('-p, --num-clients <n>', `clients ${d(CONVERSATIONS_DEFAULTS.numClients)}`, intArg())
      .option('-k, --max-active-conversations <n>', 'active conversations over all clients (default: all)', intArg())
      .option('-n, --max-num-requests <n>', 'requests over all clients (default: no limit)', intArg())
      .option('--max-turns <n>', 'messages per conversation at most (user + assistant)', intArg())
      .option('--request-rate <r>', 'per-client Poisson request rate, req/s (0: none)', floatArg())
      .option('--warmup-step', 'send every first turn before measuring')
      .option('--conversation-sampling <mode>', 'round_robin or random')
      .option('--limit-min-tokens <n>', 'min answer tokens (with --limit-max-tokens)', intArg())
      .option('--limit-max-tokens <n>', 'max answer tokens (0: from the input, < 0: no limit)', intArg())
      .option('--ignore-eos', 'send ignore_eos')
      .option('-o, --output-file <file>', 'write the conversations with the real answers (JSON)')
      .option('-e, --excel-output <file>', 'write an .xlsx of the run')
      .option('--verify-output', "fail when an answer differs from the input file's")
      .option('--print-content', 'print every request and answer')
      .option('--early-stop', 'stop all clients when one runs out of work'),
  ).action(async (f: SharedFlags & Record<string, unknown>) => {
    await run((signal) => ({
      workload: 'conversations',
      shared: sharedOptions(f, signal),
      inputFile: f.inputFile as string,
      outputFile: f.outputFile as string | undefined,
      excelOutput: f.excelOutput as string | undefined,
      verifyOutput: Boolean(f.verifyOutput),
      printContent: Boolean(f.printContent),
      params: {
        numClients: f.numClients,
        maxActiveConversations: f.maxActiveConversations,
        maxNumRequests: f.maxNumRequests,
        maxTurns: f.maxTurns,
        requestRate: f.requestRate,
        warmupStep: f.warmupStep,
        conversationSampling: f.conversationSampling,
        limitMinTokens: f.limitMinTokens,
        limitMaxTokens: f.limitMaxTokens,
        ignoreEos: f.ignoreEos,
        stream: f.stream === false ? false : undefined,
        earlyStop: f.earlyStop,
        seed: f.seed,
      },
    }), f.tokenizer);
  });

  addShared(
    bench
      .command('prefix-ratio')
      .description('Dynamo prefix_ratio_benchmark: one-turn requests sharing isl·ratio prefix tokens; one run per ratio')
      .option('--prefix-ratios <r...>', `shared-prefix ratios in [0, 1] ${d(PREFIX_RATIO_DEFAULTS.prefixRatio)}`, (v: string, prev: number[] = []) => [...prev, floatArg()(v)])
      .option('--isl <n>', `input tokens ${d(PREFIX_RATIO_DEFAULTS.isl)}`, intArg())
      .option('--osl <n>', `output tokens ${d(PREFIX_RATIO_DEFAULTS.osl)}`, intArg())
      .option('--requests <n>', `requests per ratio ${d(PREFIX_RATIO_DEFAULTS.requests)}`, intArg())
      .option('--concurrency <n>', `requests in flight ${d(PREFIX_RATIO_DEFAULTS.concurrency)}`, intArg())
      .option('--num-prefix-prompts <n>', `distinct shared prefixes ${d(PREFIX_RATIO_DEFAULTS.numPrefixPrompts)}`, intArg()),
  ).action(async (f: SharedFlags & Record<string, unknown>) => {
    await run((signal) => ({
      workload: 'prefix-ratio',
      shared: sharedOptions(f, signal),
      prefixRatios: f.prefixRatios as number[] | undefined,
      params: {
        isl: f.isl,
        osl: f.osl,
        requests: f.requests,
        concurrency: f.concurrency,
        numPrefixPrompts: f.numPrefixPrompts,
        seed: f.seed,
      },
    }), f.tokenizer);
  });

  addShared(
    bench
      .command('trace')
      .description('Mooncake trace replay: open loop at the trace timestamps')
      .option('--input-dataset <file>', `Mooncake JSONL trace (default ${DEFAULT_TRACE_FILE})`)
      .option('--num-requests <n>', 'replay at most this many rows', intArg())
      .option('--speedup-ratio <f>', `divide timestamps by this ${d(TRACE_DEFAULTS.speedupRatio)}`, floatArg())
      .option('--prefix-len-multiplier <f>', `scale shared-prefix lengths ${d(TRACE_DEFAULTS.prefixLenMultiplier)}`, floatArg())
      .option('--prefix-root-multiplier <n>', `copies of the prefix tree ${d(TRACE_DEFAULTS.prefixRootMultiplier)}`, intArg())
      .option('--prompt-len-multiplier <f>', `scale prompt lengths ${d(TRACE_DEFAULTS.promptLenMultiplier)}`, floatArg())
      .option('--max-isl <n>', 'skip rows with longer inputs', intArg())
      .option('--block-size <n>', `tokens per trace hash id ${d(TRACE_DEFAULTS.blockSize)}`, intArg()),
  ).action(async (f: SharedFlags & Record<string, unknown>) => {
    await run((signal) => ({
      workload: 'trace' as WorkloadName,
      shared: sharedOptions(f, signal),
      inputDataset: f.inputDataset as string | undefined,
      params: {
        numRequests: f.numRequests,
        speedupRatio: f.speedupRatio,
        prefixLenMultiplier: f.prefixLenMultiplier,
        prefixRootMultiplier: f.prefixRootMultiplier,
        promptLenMultiplier: f.promptLenMultiplier,
        maxIsl: f.maxIsl,
        blockSize: f.blockSize,
        seed: f.seed,
      },
    }), f.tokenizer);
  });

  addShared(
    bench
      .command('shared-prefix')
      .description("inference-perf shared-prefix load: shared system prompts × users' questions, in stages of constant rate")
      .option('--preset <name>', 'a named preset of the calibration file: general, general-lite, codegen, roleplay, reasoning, reasoning-lite')
      .option('--presets-file <file>', 'calibration file whose `presets` the names refer to (default: data/vllm-real/calibration.json)')
      .option('--system-prompt-len <n>', `tokens of each shared system prompt ${d(SHARED_PREFIX_DEFAULTS.systemPromptLen)}`, intArg())
      .option('--question-len <n>', `tokens of each user's question ${d(SHARED_PREFIX_DEFAULTS.questionLen)}`, intArg())
      .option('--output-len <n>', `tokens of every answer (ignore_eos) ${d(SHARED_PREFIX_DEFAULTS.outputLen)}`, intArg())
      .option('--num-groups <n>', `shared system prompts ${d(SHARED_PREFIX_DEFAULTS.numGroups)}`, intArg())
      .option('--users-per-group <n>', `users (questions) per system prompt ${d(SHARED_PREFIX_DEFAULTS.usersPerGroup)}`, intArg())
      .option('--stages <list>', `load stages rate:seconds,… ${d(SHARED_PREFIX_DEFAULTS.stages)}`),
  ).action(async (f: SharedFlags & Record<string, unknown>) => {
    await run((signal) => ({
      workload: 'shared-prefix',
      shared: sharedOptions(f, signal),
      presetsFile: f.presetsFile as string | undefined,
      params: {
        preset: f.preset,
        systemPromptLen: f.systemPromptLen,
        questionLen: f.questionLen,
        outputLen: f.outputLen,
        numGroups: f.numGroups,
        usersPerGroup: f.usersPerGroup,
        stages: f.stages,
        seed: f.seed,
      },
    }), f.tokenizer);
  });
}
