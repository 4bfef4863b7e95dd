/**
 * What a request will generate, decided up front (the engine is handed the exact output tokens):
 * the length bound (max_completion_tokens, else max_tokens, else the server default capped by the
 * context left), the length (exactly the bound with ignore_eos, else a seeded length in
 * [max(1, min_tokens), bound] standing in for a model's EOS), the tokens (core/lorem, so the text
 * re-tokenizes to them and the next turn hits the cache), and the reasoning span (the first
 * round(ratio · L) tokens, chat only).
 */
import { makeError } from '../../core/errors.ts';
import { loremTokens } from '../../core/lorem.ts';
import { requestedMaxTokens, requestIgnoresEos } from '../../core/openai-schemas.ts';
import type { Rng } from '../../core/rng.ts';

export interface LengthFields {
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  min_tokens?: number;
  ignore_eos?: boolean;
  nvext?: { ignore_eos?: boolean };
}

export interface LengthLimits {
  maxModelLen: number;
  maxTokensLimit: number;
  defaultMaxTokens: number;
}

export interface OutputPlan {
  tokens: number[];
  /** Leading tokens sent as reasoning_content. */
  reasoningCount: number;
  finishReason: 'stop' | 'length';
  maxTokens: number;
}

/** The max_tokens bound for a prompt of `promptLen` tokens; throws the vLLM-like 400s. */
export function resolveMaxTokens(req: LengthFields, promptLen: number, limits: LengthLimits): number {
  const requested = requestedMaxTokens(req);
  const param = req.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
  if (requested !== null && requested > limits.maxTokensLimit) {
    throw makeError('invalid_request', { detail: `${param}: must be at most ${limits.maxTokensLimit}, got ${requested}`, param });
  }
  const completion = requested ?? Math.min(limits.defaultMaxTokens, limits.maxModelLen - promptLen);
  if (requested === null ? promptLen >= limits.maxModelLen : promptLen + requested > limits.maxModelLen) {
    const c = Math.max(1, completion);
    throw makeError('context_length_exceeded', {
      maxModelLen: limits.maxModelLen,
      requestedTokens: promptLen + c,
      promptTokens: promptLen,
      completionTokens: c,
      param: 'messages',
    });
  }
  if (req.min_tokens !== undefined && req.min_tokens > completion) {
    throw makeError('invalid_request', { detail: `min_tokens: must be at most max_tokens (${completion}), got ${req.min_tokens}`, param: 'min_tokens' });
  }
  return completion;
}

/** Draws answer tokens (a model's tokenizer: tokenizers/model-tokenizer); default kvlab's lorem. */
export type AnswerDraw = (rng: Rng, n: number, contentStart: number) => number[];

/** Length, tokens and reasoning split of the answer. */
export function planOutput(req: LengthFields, maxTokens: number, rng: Rng, reasoningRatio: number, draw: AnswerDraw = loremTokens): OutputPlan {
  const length = requestIgnoresEos(req) ? maxTokens : rng.int(Math.max(1, req.min_tokens ?? 0), maxTokens);
  const reasoningCount = Math.min(length, Math.round(reasoningRatio * length));
  const tokens = draw(rng, length, reasoningCount);
  return {
    tokens,
    reasoningCount,
    finishReason: length === maxTokens ? 'length' : 'stop',
    maxTokens,
  };
}
