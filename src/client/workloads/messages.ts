/**
 * Building script messages. Generators that make content from lorem tokens attach the tokens
 * (`contentTokens`), so the virtual cluster never runs BPE; text from files (documents, ShareGPT)
 * stays text only. Also: the request-body extension for speculative prefill.
 */
import { tokensToLoremText } from '../../core/lorem.ts';
import { LOREM_WORDS, type PromptWords } from '../../core/tokenizers/prompt-words.ts';
import type { Role, ScriptMessage } from './types.ts';

/** A message whose content is the text of drawn `tokens` (it re-tokenizes to exactly them; default lorem). */
export function loremMessage(role: Role, tokens: number[], words: PromptWords = LOREM_WORDS): ScriptMessage {
  return { role, content: words.text(tokens), contentTokens: tokens };
}

/**
 * A lorem message whose content is `parts` joined (e.g. a shared prefix and a request's own tokens),
 * its text (or token ids) built each time it is read: a real client reads the text once, when it sends
 * the request, and the virtual cluster reads the ids once per use, so a workload of long prompts holds
 * only their token ids (typed arrays: off the JavaScript heap) until each is sent, and the text lives
 * only as long as its request. `texts[i]`, when given, is the text of `parts[i]` (built once per prefix).
 */
export function lazyLoremMessage(role: Role, parts: readonly ArrayLike<number>[], texts: readonly (string | null)[] = [], text: (tokens: ArrayLike<number>) => string = tokensToLoremText): ScriptMessage {
  const msg = { role } as ScriptMessage;
  Object.defineProperty(msg, 'content', { enumerable: true, get: () => parts.map((p, i) => texts[i] ?? text(p)).join('') });
  Object.defineProperty(msg, 'contentTokens', {
    enumerable: true,
    get: () => {
      const out = new Array<number>(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) for (let i = 0; i < p.length; i++) out[at++] = p[i];
      return out;
    },
  });
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
