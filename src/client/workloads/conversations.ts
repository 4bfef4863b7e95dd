/**
 * `conversations`: vLLM's benchmark_serving_multi_turn.py. The input is either a
 * generate_conversations spec (conversations-spec.ts) or a ShareGPT-style list (sharegpt.ts); the
 * scripts are driven by the 'clients' schedule: `numClients` clients, each keeping its share of
 * `maxActiveConversations` active, one request at a time per client.
 *
 * Per-turn max_tokens follow vLLM's --limit-max-tokens: 0 (the default, NUM_TOKENS_FROM_DATASET)
 * uses the reference answer's length (the spec's drawn answer length, or the token count of the
 * file's assistant message after that user message); a positive value is used as is; a negative value
 * means no limit. A script needs a number, so "no limit" and "no reference answer" (a user message
 * at the end of a file's conversation) use `fallbackMaxTokens`. `limitMinTokens` is validated as vLLM
 * does (both limits set together, min ≤ max) but, as in vLLM (where min_tokens is commented out), not
 * sent. `maxTurns` counts messages like vLLM's --max-turns: a conversation keeps ceil(maxTurns / 2)
 * user turns. vLLM sends neither ignore_eos nor think times; `ignoreEos` is off by default.
 *
 * Differences from vLLM, on purpose: `maxActiveConversations` defaults to the number of conversations
 * (vLLM: numClients) and `earlyStop` to false (vLLM stops all clients when one finishes).
 */
import { makeError } from '../../core/errors.ts';
import { createRng } from '../../core/rng.ts';
import { generateConversations, parseGenerateSpec } from './conversations-spec.ts';
import { badParam, bool, int, num, oneOf, optional, resolveParams } from './params.ts';
import type { ReferenceConversation } from './reference-conversation.ts';
import { parseShareGpt } from './sharegpt.ts';
import type { ConversationScript, Workload, WorkloadDefinition } from './types.ts';
import { CONVERSATIONS_DEFAULTS, type ConversationsParams } from './defaults.ts';

export { CONVERSATIONS_DEFAULTS, type ConversationsParams };

export interface ConversationsInputs {
  /** The parsed input file: a generate_conversations object or a ShareGPT-style list. */
  input: unknown;
  /** Texts of the spec's text_files (read by the loader); empty or absent = lorem. */
  corpus?: readonly string[];
  /** Names the input in error messages. */
  source?: string;
}

/** Conversations from the input (spec or ShareGPT list), before run parameters apply. */
export function readConversations(inputs: ConversationsInputs, seed: number): { kind: 'spec' | 'sharegpt'; conversations: ReferenceConversation[] } {
  const source = inputs.source ?? 'input';
  if (Array.isArray(inputs.input)) return { kind: 'sharegpt', conversations: parseShareGpt(inputs.input, source) };
  if (typeof inputs.input === 'object' && inputs.input !== null) {
    const spec = parseGenerateSpec(inputs.input, source);
    return { kind: 'spec', conversations: generateConversations(spec, inputs.corpus ?? [], createRng(`conversations/${seed}`)) };
  }
  throw makeError('invalid_config', {
    path: source,
    detail: 'expected a ShareGPT-style list of conversations or a {"filetype": "generate_conversations", ...} object',
  });
}

function maxTokensFor(answerTokens: number | null, p: Readonly<ConversationsParams>): number {
  if (p.limitMaxTokens > 0) return p.limitMaxTokens;
  if (p.limitMaxTokens === 0 && answerTokens !== null) return Math.max(1, answerTokens);
  return p.fallbackMaxTokens;
}

export function buildConversations(overrides: Partial<ConversationsParams> | undefined, inputs: ConversationsInputs | undefined): Workload {
  const p = resolveParams('conversations', CONVERSATIONS_DEFAULTS, overrides, {
    numClients: int(1),
    maxActiveConversations: optional(int(1)),
    maxNumRequests: optional(int(1)),
    maxTurns: optional(int(1)),
    requestRate: num(0),
    warmupStep: bool,
    conversationSampling: oneOf(['round_robin', 'random']),
    limitMinTokens: int(),
    limitMaxTokens: int(),
    fallbackMaxTokens: int(1),
    ignoreEos: bool,
    stream: bool,
    seed: int(),
    earlyStop: bool,
  });
  if (p.limitMinTokens > 0 || p.limitMaxTokens > 0) {
    if (p.limitMinTokens < 1 || p.limitMaxTokens < 1) badParam('conversations', 'limitMinTokens', 'set both limitMinTokens and limitMaxTokens (≥ 1) or neither');
    if (p.limitMinTokens > p.limitMaxTokens) badParam('conversations', 'limitMinTokens', `must be ≤ limitMaxTokens (${p.limitMaxTokens}), got ${p.limitMinTokens}`);
  }
  if (inputs === undefined) badParam('conversations', 'input', 'no input given (a generate_conversations spec or a ShareGPT-style list)');
  const { kind, conversations } = readConversations(inputs, p.seed);
  const n = conversations.length;
  if (n < p.numClients) badParam('conversations', 'numClients', `must be ≤ the number of conversations (${n}), got ${p.numClients}`);
  const maxActive = p.maxActiveConversations ?? n;
  if (maxActive > n) badParam('conversations', 'maxActiveConversations', `must be ≤ the number of conversations (${n}), got ${maxActive}`);
  if (maxActive < p.numClients) badParam('conversations', 'maxActiveConversations', `must be ≥ numClients (${p.numClients}), got ${maxActive}`);
  if (p.maxNumRequests !== undefined && p.maxNumRequests < p.numClients) {
    badParam('conversations', 'maxNumRequests', `must be ≥ numClients (${p.numClients}: at least one request per client), got ${p.maxNumRequests}`);
  }
  const userTurnLimit = p.maxTurns === undefined ? Infinity : Math.ceil(p.maxTurns / 2);

  const scripts: ConversationScript[] = conversations.map((c) => ({
    id: c.id,
    preamble: c.preamble,
    turns: c.turns.slice(0, userTurnLimit).map((t) => ({
      messages: [t.user],
      maxTokens: maxTokensFor(t.answerTokens, p),
      ignoreEos: p.ignoreEos,
      delayMs: 0,
    })),
    keepHistory: true,
  }));
  return {
    name: 'conversations',
    scripts,
    schedule: {
      kind: 'clients',
      numClients: p.numClients,
      maxActiveConversations: Math.floor(maxActive / p.numClients),
      ...(p.requestRate > 0 ? { requestRate: p.requestRate } : {}),
      sampling: p.conversationSampling,
      ...(p.maxNumRequests !== undefined ? { maxNumRequests: p.maxNumRequests } : {}),
      warmupStep: p.warmupStep,
      earlyStop: p.earlyStop,
    },
    params: {
      ...p,
      maxActiveConversations: maxActive,
      input: kind,
      conversations: n,
      userTurns: scripts.reduce((s, c) => s + c.turns.length, 0),
    },
  };
}

export const conversations: WorkloadDefinition<ConversationsParams, ConversationsInputs> = {
  name: 'conversations',
  description: 'vLLM benchmark_serving_multi_turn: generate_conversations spec or ShareGPT file, N clients',
  defaults: CONVERSATIONS_DEFAULTS,
  build: buildConversations,
};
