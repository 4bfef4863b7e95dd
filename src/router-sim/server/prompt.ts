/**
 * Request → prompt tokens, the way the kvlab mocker tokenizes them (same core tokenizer and chat
 * template), so the router's block hashes match the workers' for the same prompt. Chat: messages with
 * content parts joined, reasoning dropped, generation prompt appended. Completions: a string is
 * encoded, a token-id array is taken as is, a list of one prompt is unwrapped.
 *
 * Approximation: against a real backend with another tokenizer/template, hashes of the router and the
 * workers differ; the kv indexer recomputes local hashes from the events' token ids, so overlaps stay
 * meaningful only if the template matches too. A prompt the router cannot interpret yields no tokens
 * (the worker will answer the error).
 */
import type { ChatTokenizer } from '../../core/chat-template.ts';
import type { ChatRequestMessage, CompletionPrompt } from '../../core/openai-schemas.ts';
import { chatMessagesLike, singlePrompt } from '../../core/prompt.ts';
import { encode } from '../../core/tokenizer.ts';

export function chatPromptTokens(tok: ChatTokenizer, messages: readonly ChatRequestMessage[]): number[] {
  return tok.encodeChat(chatMessagesLike(messages));
}

export function completionPromptTokens(prompt: CompletionPrompt): number[] {
  let one: string | number[];
  try {
    one = singlePrompt(prompt);
  } catch {
    return []; // several prompts: forwarded unhashed, the worker answers the error
  }
  return typeof one === 'string' ? encode(one) : one;
}
