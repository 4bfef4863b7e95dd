/**
 * OpenAI request prompts → what the tokenizer takes, shared by the mock workers and the router so both
 * read a request the same way (and so hash the same blocks): chat messages with their content parts
 * joined, and the one prompt of a completions request (a string or token ids; a list holding one
 * prompt is unwrapped; several prompts are refused).
 */
import type { ChatMessageLike } from './chat-template.ts';
import { makeError } from './errors.ts';
import { messageText, type ChatRequestMessage, type CompletionPrompt } from './openai-schemas.ts';

/** Chat messages → the chat template's input (content parts joined, reasoning left out). */
export function chatMessagesLike(messages: readonly ChatRequestMessage[]): ChatMessageLike[] {
  return messages.map((m) => ({ role: m.role, content: messageText(m.content) }));
}

/** The single prompt of a completions request; throws invalid_request for several prompts. */
export function singlePrompt(prompt: CompletionPrompt): string | number[] {
  if (typeof prompt === 'string') return prompt;
  if (prompt.length === 1 && (typeof prompt[0] === 'string' || Array.isArray(prompt[0]))) return prompt[0] as string | number[];
  if (prompt.length === 0 || typeof prompt[0] === 'number') return prompt as number[];
  throw makeError('invalid_request', { detail: `prompt: only one prompt per request is supported, got ${prompt.length}`, param: 'prompt' });
}
