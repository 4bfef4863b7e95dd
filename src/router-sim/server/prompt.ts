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
import { ChatTokenizer, type ChatMessageLike } from '../../core/chat-template.ts';
import { messageText, type ChatRequestMessage, type CompletionPrompt } from '../../core/openai-schemas.ts';
import { encode } from '../../core/tokenizer.ts';

/** Chat messages → the template's input (content parts joined). */
export function chatMessagesLike(messages: readonly ChatRequestMessage[]): ChatMessageLike[] {
  return messages.map((m) => ({ role: m.role, content: messageText(m.content) }));
}

export function chatPromptTokens(tok: ChatTokenizer, messages: readonly ChatRequestMessage[]): number[] {
  return tok.encodeChat(chatMessagesLike(messages));
}

export function completionPromptTokens(prompt: CompletionPrompt): number[] {
  if (typeof prompt === 'string') return encode(prompt);
  if (prompt.length === 0) return [];
  const first = prompt[0];
  if (typeof first === 'number') return prompt as number[];
  if (prompt.length !== 1) return [];
  return typeof first === 'string' ? encode(first) : (first as number[]);
}
