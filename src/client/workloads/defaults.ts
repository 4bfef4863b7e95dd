/**
 * Parameters and defaults of every workload generator, kept apart from the generators so that the CLI
 * can show defaults in --help without loading them (they pull in the lorem tokenizer tables). Each
 * generator re-exports its own pair; this module imports nothing.
 */

// multiturn
export interface MultiturnParams {
  numUsers: number;
  numTurns: number;
  numUserTokens: number;
  maxCompletionTokens: number;
  ignoreEos: boolean;
  meanDelayMs: number;
  speculativePrefill: boolean;
  seed: number;
  ping: boolean;
  /** Tokens of each user's system prompt. */
  systemPromptTokens: number;
}

export const MULTITURN_DEFAULTS: Readonly<MultiturnParams> = Object.freeze({
  numUsers: 10,
  numTurns: 5,
  numUserTokens: 128,
  maxCompletionTokens: 1000,
  ignoreEos: true,
  meanDelayMs: 5000,
  speculativePrefill: false,
  seed: 42,
  ping: false,
  systemPromptTokens: 64,
});

// documents
export interface DocumentsParams {
  conversations: number;
  turns: number;
  maxTokens: number;
  parallel: number;
  /** Seconds. */
  minDelay: number;
  /** Seconds. */
  maxDelay: number;
  /** Wait a think time before turn 1 too, as llm-d's workers do (false: turn 1 goes at once). */
  firstTurnDelay: boolean;
  /**
   * llm-d's turn queue: workers take one turn at a time, so conversations interleave (false: each
   * worker runs one conversation to its end, then the next).
   */
  interleaveTurns: boolean;
  /** llm-d does not send ignore_eos; set it to make answer lengths exact. */
  ignoreEos: boolean;
  seed: number;
}

export const DOCUMENTS_DEFAULTS: Readonly<DocumentsParams> = Object.freeze({
  conversations: 11,
  turns: 10,
  maxTokens: 500,
  parallel: 4,
  minDelay: 0.5,
  maxDelay: 2.0,
  firstTurnDelay: true,
  interleaveTurns: true,
  ignoreEos: false,
  seed: 0,
});

// conversations
export interface ConversationsParams {
  numClients: number;
  /** Total over all clients; undefined = the number of conversations. */
  maxActiveConversations?: number;
  /** Total over all clients; undefined = no limit. */
  maxNumRequests?: number;
  /** Messages (user + assistant) per conversation at most; undefined = all. */
  maxTurns?: number;
  /** Per client, requests/s (Poisson); 0 = no pacing. */
  requestRate: number;
  warmupStep: boolean;
  conversationSampling: 'round_robin' | 'random';
  limitMinTokens: number;
  limitMaxTokens: number;
  /** max_tokens when no limit applies and the source has no reference answer. */
  fallbackMaxTokens: number;
  ignoreEos: boolean;
  stream: boolean;
  seed: number;
  earlyStop: boolean;
}

export const CONVERSATIONS_DEFAULTS: Readonly<ConversationsParams> = Object.freeze({
  numClients: 1,
  maxActiveConversations: undefined,
  maxNumRequests: undefined,
  maxTurns: undefined,
  requestRate: 0,
  warmupStep: false,
  conversationSampling: 'round_robin',
  limitMinTokens: 0,
  limitMaxTokens: 0,
  fallbackMaxTokens: 1024,
  ignoreEos: false,
  stream: true,
  seed: 0,
  earlyStop: false,
});

// prefix-ratio
export interface PrefixRatioParams {
  /** Share of the input that is a shared prefix, in [0, 1]. */
  prefixRatio: number;
  /** Input sequence length (tokens). */
  isl: number;
  /** Output sequence length (tokens). */
  osl: number;
  requests: number;
  concurrency: number;
  numPrefixPrompts: number;
  seed: number;
}

export const PREFIX_RATIO_DEFAULTS: Readonly<PrefixRatioParams> = Object.freeze({
  prefixRatio: 0.5,
  isl: 14000,
  osl: 200,
  requests: 200,
  concurrency: 20,
  numPrefixPrompts: 20,
  seed: 0,
});

// trace
export interface TraceParams {
  /** Tokens per hash id (Mooncake: 512). */
  blockSize: number;
  /** Replay the first N rows (after maxIsl filtering); undefined = all. */
  numRequests?: number;
  /** Divides timestamps (2 = twice the request rate). */
  speedupRatio: number;
  prefixLenMultiplier: number;
  prefixRootMultiplier: number;
  promptLenMultiplier: number;
  /** Drop rows whose input is longer; undefined = keep all. */
  maxIsl?: number;
  seed: number;
}

export const TRACE_DEFAULTS: Readonly<TraceParams> = Object.freeze({
  blockSize: 512,
  numRequests: undefined,
  speedupRatio: 1,
  prefixLenMultiplier: 1,
  prefixRootMultiplier: 1,
  promptLenMultiplier: 1,
  maxIsl: undefined,
  seed: 0,
});

// shared-prefix
export interface SharedPrefixParams {
  /** A named preset (data/vllm-real/calibration.json `presets`): its numbers replace these defaults; explicit parameters still win. */
  preset?: string;
  /** Tokens of each group's shared system prompt. */
  systemPromptLen: number;
  /** Tokens of each user's question. */
  questionLen: number;
  /** Tokens asked of every answer (ignore_eos). */
  outputLen: number;
  /** Shared system prompts (inference-perf's num_groups). */
  numGroups: number;
  /** Users per system prompt, each with its own question (num_prompts_per_group). */
  usersPerGroup: number;
  /** Load stages "rate:durationS,…": a constant request rate (req/s) for a duration, one after the other. */
  stages: string;
  seed: number;
}

/** The `general` preset of inference-perf's shared-prefix load (as in data/vllm-real/calibration.json). */
export const SHARED_PREFIX_DEFAULTS: Readonly<SharedPrefixParams> = Object.freeze({
  preset: undefined,
  systemPromptLen: 100,
  questionLen: 447,
  outputLen: 248,
  numGroups: 9,
  usersPerGroup: 5,
  stages: '8:600,20:600',
  seed: 0,
});
