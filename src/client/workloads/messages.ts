/**
 * Building script messages. Generators that make content from lorem tokens attach the tokens
 * (`contentTokens`), so the virtual cluster never runs BPE; text from files (documents, ShareGPT)
 * stays text only. Also: the request-body extension for speculative prefill.
 */
import { tokensToLoremText } from '../../core/lorem.ts';
import type { Role, ScriptMessage } from './types.ts';

/** A message whose content is the text of lorem `tokens` (it re-tokenizes to exactly them). */
export function loremMessage(role: Role, tokens: number[]): ScriptMessage {
  return { role, content: tokensToLoremText(tokens), contentTokens: tokens };
}

/**
 * A lorem message whose content is `parts` joined (e.g. a shared prefix and a request's own tokens),
 * its text and token ids built only when first read, then kept: a real client reads only the text,
 * the virtual cluster only the ids, and a long prompt built up front would otherwise hold both.
 */
export function lazyLoremMessage(role: Role, parts: readonly (readonly number[])[], texts: readonly (string | null)[] = []): ScriptMessage {
  let content: string | null = null;
  let tokens: number[] | null = null;
  const msg = { role } as ScriptMessage;
  Object.defineProperty(msg, 'content', {
    enumerable: true,
    get: () => (content ??= parts.map((p, i) => texts[i] ?? tokensToLoremText(p)).join('')),
  });
  Object.defineProperty(msg, 'contentTokens', { enumerable: true, get: () => (tokens ??= ([] as number[]).concat(...parts)) });
  return msg;
}

/** A message of plain text (tokenized by whoever sends or simulates it). */
export function textMessage(role: Role, content: string): ScriptMessage {
  return { role, content };
}

/** Dynamo's agent hint asking the router to pre-warm the next turn's prefix after this answer. */
export const SPECULATIVE_PREFILL_BODY: Readonly<Record<string, unknown>> = Object.freeze({
  nvext: Object.freeze({ agent_hints: Object.freeze({ speculative_prefill: true }) }),
});
