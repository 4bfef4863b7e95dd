/**
 * Response bodies and SSE chunks shaped like vLLM's OpenAI server: chat (`chat.completion`,
 * `chat.completion.chunk` with `delta`) and text completions (`text_completion` with `text`), usage
 * with `prompt_tokens_details.cached_tokens`, and kvlab's `nvext.timing` stamp (engine-side arrival and
 * first-token times, epoch ms) on the final chunk / the non-stream body for client-fidelity checks.
 */
import { tokensToLoremText } from '../../core/lorem.ts';
import type { Usage } from '../../core/openai-schemas.ts';

export type JobKind = 'chat' | 'text';

export interface ResponseHead {
  id: string;
  kind: JobKind;
  created: number;
  model: string;
}

export interface Timing {
  arrival_ms: number;
  first_token_ms: number | null;
}

export function usageOf(promptTokens: number, completionTokens: number, cachedTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens },
  };
}

/** Text of answer tokens (the worker's tokenizer; default kvlab's lorem). */
export type TextOf = (tokens: readonly number[]) => string;
/**
 * An engine with offload tiers says where its cached tokens were: `nvext.cached_tokens_by_medium`
 * (`{GPU, CPU, DISK}`, summing to usage's cached_tokens), added to a body that has an nvext.
 */
export function withTierHits(body: Record<string, unknown>, cached: number, tiers: { cpu: number; disk: number } | null): Record<string, unknown> {
  if (tiers === null) return body;
  const nvext = body.nvext as Record<string, unknown>;
  nvext.cached_tokens_by_medium = { GPU: cached - tiers.cpu - tiers.disk, CPU: tiers.cpu, DISK: tiers.disk };
  return body;
}

/** A run of consecutive output tokens of one kind, as text. */
export interface Piece {
  reasoning: boolean;
  text: string;
}

/** Split output tokens [start, start+len) into reasoning/content pieces. */
export function piecesOf(tokens: readonly number[], start: number, reasoningCount: number, textOf: TextOf = tokensToLoremText): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  while (i < tokens.length) {
    const reasoning = start + i < reasoningCount;
    let j = i + 1;
    while (j < tokens.length && start + j < reasoningCount === reasoning) j++;
    pieces.push({ reasoning, text: textOf(tokens.slice(i, j)) });
    i = j;
  }
  return pieces;
}

function object(head: ResponseHead, stream: boolean): string {
  if (head.kind === 'text') return 'text_completion';
  return stream ? 'chat.completion.chunk' : 'chat.completion';
}

/** One streamed chunk carrying a piece (and, on the last one, the finish reason and timing). */
export function pieceChunk(
  head: ResponseHead,
  piece: Piece,
  opts: { first: boolean; finishReason: string | null; timing?: Timing },
): Record<string, unknown> {
  const choice =
    head.kind === 'chat'
      ? {
          index: 0,
          delta: {
            ...(opts.first ? { role: 'assistant' } : {}),
            ...(piece.reasoning ? { reasoning_content: piece.text } : { content: piece.text }),
          },
          logprobs: null,
          finish_reason: opts.finishReason,
        }
      : { index: 0, text: piece.text, logprobs: null, finish_reason: opts.finishReason };
  return {
    id: head.id,
    object: object(head, true),
    created: head.created,
    model: head.model,
    choices: [choice],
    ...(opts.timing ? { nvext: { timing: opts.timing } } : {}),
  };
}

/** The final usage chunk (`choices: []`). */
export function usageChunk(head: ResponseHead, usage: Usage, timing: Timing): Record<string, unknown> {
  return { id: head.id, object: object(head, true), created: head.created, model: head.model, choices: [], usage, nvext: { timing } };
}

/** Non-streaming body. */
export function fullBody(
  head: ResponseHead,
  out: { tokens: readonly number[]; reasoningCount: number; finishReason: string },
  usage: Usage,
  timing: Timing,
  textOf: TextOf = tokensToLoremText,
): Record<string, unknown> {
  const reasoning = textOf(out.tokens.slice(0, out.reasoningCount));
  const content = textOf(out.tokens.slice(out.reasoningCount));
  const choice =
    head.kind === 'chat'
      ? {
          index: 0,
          message: { role: 'assistant', content, reasoning_content: out.reasoningCount > 0 ? reasoning : null },
          logprobs: null,
          finish_reason: out.finishReason,
        }
      : { index: 0, text: reasoning + content, logprobs: null, finish_reason: out.finishReason };
  return { id: head.id, object: object(head, false), created: head.created, model: head.model, choices: [choice], usage, nvext: { timing } };
}
