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

/** A message of plain text (tokenized by whoever sends or simulates it). */
export function textMessage(role: Role, content: string): ScriptMessage {
  return { role, content };
}

/** Dynamo's agent hint asking the router to pre-warm the next turn's prefix after this answer. */
export const SPECULATIVE_PREFILL_BODY: Readonly<Record<string, unknown>> = Object.freeze({
  nvext: Object.freeze({ agent_hints: Object.freeze({ speculative_prefill: true }) }),
});
