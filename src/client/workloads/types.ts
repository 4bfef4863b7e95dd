/**
 * Conversation scripts: what every workload generator produces and every runner (the real HTTP
 * client, the virtual cluster) consumes. A script is pure data, fully determined by the workload's
 * parameters and seed; the answers are not in it (the runner appends the real answer of turn k to the
 * history before turn k+1).
 */

import type { PromptWords } from '../../core/tokenizers/prompt-words.ts';

export type Role = 'system' | 'user' | 'assistant';

export interface ScriptMessage {
  role: Role;
  content: string;
  /**
   * The content's token ids when the generator built it from tokens (core/lorem vocabulary: the text
   * re-tokenizes to exactly these ids). Lets the virtual cluster skip BPE tokenization.
   */
  contentTokens?: number[];
}

export interface TurnSpec {
  /** Messages appended to the history before this turn is sent (usually one user message). */
  messages: ScriptMessage[];
  /** max_tokens / max_completion_tokens for this turn. */
  maxTokens: number;
  /** Send with ignore_eos (so the server generates exactly maxTokens). */
  ignoreEos: boolean;
  /** Closed loop: think time before this turn, ms, counted from the previous turn's completion. */
  delayMs: number;
  /** Open loop: send time, ms from the run's start (a late answer never delays it). */
  atMs?: number;
  /** Extra fields merged into the request body (e.g. nvext). */
  extraBody?: Record<string, unknown>;
  /**
   * The whole prompt's length in tokens of its content (chat template excluded), when the generator
   * knows it exactly (trace: the row's input length). Lets the client warn, before sending, about
   * requests a server's max-model-len will refuse.
   */
  promptTokens?: number;
}

export interface ConversationScript {
  id: string;
  /** Messages every turn starts with (system prompt, shared document, ...). */
  preamble: ScriptMessage[];
  turns: TurnSpec[];
  /** Keep the full history (previous turns and their answers) in later turns. */
  keepHistory: boolean;
  /** Tags copied onto every record of this conversation (document type, prefix group, ratio, ...). */
  tags?: Record<string, string | number | boolean>;
}

/** How a runner should drive a set of scripts. */
export type Schedule =
  /** Closed loop: at most `concurrency` conversations in flight, turns follow think times. */
  | { kind: 'closed'; concurrency: number }
  /** Open loop: every turn is sent at its `atMs`, whatever is still in flight. */
  | { kind: 'open' }
  /**
   * Turn queue (llm-d's multi-turn-benchmark.py): the conversations wait in one FIFO; each of
   * `workers` workers takes the head, waits its next turn's `delayMs` (counted from when it took
   * it), sends that turn, and puts the conversation back at the tail when it has turns left. Turns of
   * different conversations interleave; a conversation never has two turns in flight.
   */
  | { kind: 'queue'; workers: number }
  /**
   * vLLM multi-turn style: `numClients` clients, each keeping up to `maxActiveConversations` of its
   * share of scripts active and round-robining (or sampling) over them, one request at a time per
   * client; `requestRate` (per client, req/s, Poisson) paces sends when set; think times are ignored.
   */
  | {
      kind: 'clients';
      numClients: number;
      /** PER CLIENT (vLLM's --max-active-conversations is a total, split evenly over the clients). */
      maxActiveConversations: number;
      requestRate?: number;
      sampling: 'round_robin' | 'random';
      /** Total over all clients (vLLM splits it evenly: floor(total / numClients) per client). */
      maxNumRequests?: number;
      warmupStep?: boolean;
      earlyStop?: boolean;
    };

export interface Workload {
  name: string;
  scripts: ConversationScript[];
  schedule: Schedule;
  /** Resolved parameters, written to run.json's config. */
  params: Record<string, unknown>;
  /** The workload's own warm-up requests, when it has some (else `--warmup` copies first turns). */
  warmup?: WarmupPlan;
}

/**
 * Unmeasured requests a workload sends before its run, as the tool it replicates does: request i is
 * `turns[i mod turns.length]` sent alone (no history, no preamble), `concurrency` at a time;
 * `requests` is how many go when the user does not say (`--warmup N` overrides it).
 */
export interface WarmupPlan {
  requests: number;
  concurrency: number;
  turns: TurnSpec[];
}

/**
 * One workload generator behind the shared interface: its defaults and a PURE, deterministic build
 * function (same params and inputs → same scripts). `inputs` carries file contents read by a separate
 * loader (documents, trace rows, a conversations file); params left undefined take the defaults.
 */
export interface WorkloadDefinition<P extends object = Record<string, unknown>, I = unknown> {
  name: string;
  /** One line for --help and reports. */
  description: string;
  defaults: Readonly<P>;
  /** Parameters without a default (absent unless given), beyond the keys of `defaults`. */
  optionalParams?: readonly string[];
  /** `words`: what generated prompts are made of (default kvlab's o200k lorem; `--tokenizer` gives the model's). */
  build(params?: Partial<P>, inputs?: I, words?: PromptWords): Workload;
}
