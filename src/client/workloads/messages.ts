/**
 * Building script messages. Generators that make content from lorem tokens attach the tokens
 * (`contentTokens`), so the virtual cluster never runs BPE; text from files (documents, ShareGPT)
 * stays text only. Also: the request-body extension for speculative prefill.
 */
import { LOREM_WORDS, type PromptWords } from '../../core/tokenizers/prompt-words.ts';
import { JSON_CONTENT, loremJsonContent } from './json-content.ts';
import type { Role, ScriptMessage } from './types.ts';
import { attachContentWriter, partsWriter } from './content-writer.ts';

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
 * The real client writes the content into the request body from the ids, without making the text
 * (json-content.ts) when they are lorem; `words` are the vocabulary's drawn words (default lorem).
 */
export function lazyLoremMessage(role: Role, parts: readonly ArrayLike<number>[], texts: readonly (string | null)[] = [], words: PromptWords = LOREM_WORDS): ScriptMessage {
  const msg = { role } as ScriptMessage;
  Object.defineProperty(msg, 'content', { enumerable: true, get: () => parts.map((p, i) => texts[i] ?? words.text(p)).join('') });
  // Only lorem text is written straight from ids (ASCII, no escaping); a model's words go through JSON.
  if (words === LOREM_WORDS) Object.defineProperty(msg, JSON_CONTENT, { value: loremJsonContent(parts, texts) });
  // The virtual cluster copies the parts straight into its prompt buffer with the writer; a reader of
  // contentTokens gets them as a plain array.
  const writer = partsWriter(parts);
  attachContentWriter(msg, writer);
  Object.defineProperty(msg, 'contentTokens', {
    enumerable: true,
    get: () => {
      const ids = new Int32Array(writer.length);
      writer.write(ids, 0);
      return Array.from(ids);
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
