/**
 * One turn as the engine will see it: the prompt (from the chat template over the conversation's
 * messages, `builtPrompt`, or from a trace turn's block ids, trace-hashes.ts; for the default engine
 * hash-only: the tokens after the last full block), its chained block hashes at
 * the ENGINE's block size (computed once, shared by the router and the engine), and the output plan —
 * the mocker's own rules (mocker/server/plan.ts): exactly max tokens with ignore_eos, else a seeded
 * length; lorem tokens; the first round(r·L) of them are thinking.
 * The mocker's request checks apply too (context length → a 400, as the HTTP server would answer).
 *
 * Approximation: the output rng is seeded by (run seed, conversation, turn) rather than by the
 * worker's request counter as the HTTP mocker does, so two routing policies replay identical answers.
 */
import { blockHashes } from '../../core/block-hash.ts';
import { KvlabError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import { planOutput, resolveMaxTokens, type LengthFields } from '../../mocker/server/plan.ts';
import type { TurnSpec } from '../../client/workloads/types.ts';
import type { PromptBuilder, TemplateMessage } from './prompt-builder.ts';

/** A turn's prompt as the engine gets it. */
export interface PlannedPrompt {
  /** Prompt tokens. */
  length: number;
  /** Every prompt token, or (hash-only) the tokens after the last full block (EngineRequest.promptLength). */
  tokens: ArrayLike<number>;
  hashOnly: boolean;
  /** Chained hashes of the full blocks at the engine's block size. */
  hashes: readonly number[];
}

export interface PlannedRequest {
  prompt: PlannedPrompt;
  /** Every output token, thinking first. */
  output: number[];
  /** Leading output tokens that are thinking. */
  reasoningCount: number;
}

/**
 * A prompt built from its messages' tokens (chat template) and hashed at `blockSize`; `hashOnly`: kept
 * as its hashes and the tokens after its last full block only (an engine that takes hash-only requests,
 * EngineRequest.promptLength), built in the builder's reused buffer.
 */
export function builtPrompt(prompts: PromptBuilder, messages: readonly TemplateMessage[], blockSize: number, hashOnly = false): PlannedPrompt {
  if (!hashOnly) {
    const tokens = prompts.build(messages);
    return { length: tokens.length, tokens, hashOnly: false, hashes: blockHashes(tokens, blockSize) };
  }
  const all = prompts.buildScratch(messages);
  const hashes = blockHashes(all, blockSize);
  return { length: all.length, tokens: all.slice(hashes.length * blockSize), hashOnly: true, hashes };
}

export interface PlanLimits {
  blockSize: number;
  maxModelLen: number;
  defaultMaxTokens: number;
  reasoningRatio: number;
}

/** The request body fields that decide the answer's length, as the real client sends them. */
function lengthFields(turn: TurnSpec): LengthFields {
  const body: Record<string, unknown> = { max_tokens: turn.maxTokens };
  if (turn.ignoreEos) body.ignore_eos = true;
  return { ...body, ...(turn.extraBody ?? {}) } as LengthFields;
}

/** True when the turn asks the router for a speculative prefill of the next turn. */
export function wantsSpeculativePrefill(turn: TurnSpec): boolean {
  const nvext = turn.extraBody?.nvext as { agent_hints?: { speculative_prefill?: unknown } } | undefined;
  return nvext?.agent_hints?.speculative_prefill === true;
}

export type PlanOutcome = { ok: true; request: PlannedRequest } | { ok: false; status: number; error: string };

/** Plan one turn's answer for its prompt; request errors come back as data (status + message). */
export function planTurn(prompt: PlannedPrompt, turn: TurnSpec, rng: Rng, limits: PlanLimits): PlanOutcome {
  const body = lengthFields(turn);
  try {
    const maxTokens = resolveMaxTokens(body, prompt.length, {
      maxModelLen: limits.maxModelLen,
      maxTokensLimit: limits.maxModelLen,
      defaultMaxTokens: limits.defaultMaxTokens,
    });
    const plan = planOutput(body, maxTokens, rng, limits.reasoningRatio);
    return { ok: true, request: { prompt, output: plan.tokens, reasoningCount: plan.reasoningCount } };
  } catch (err) {
    if (err instanceof KvlabError) return { ok: false, status: err.status, error: err.message };
    throw err;
  }
}
