/**
 * OpenAI request prompts → token ids, shared by the mock workers and the router so both read a
 * request the same way (and so hash the same blocks): chat messages with their content parts joined
 * through the chat template, and the one prompt of a completions request (a string or token ids; a
 * list holding one prompt is unwrapped; several prompts are refused). Text is measured in bytes
 * before it is tokenized, so a prompt far over the context length costs no BPE work.
 */
import type { ChatMessageLike } from './chat-template.ts';
import { makeError } from './errors.ts';
import { messageText, type ChatRequestMessage, type CompletionPrompt } from './openai-schemas.ts';
import { encode } from './tokenizer.ts';

/** What renders and tokenizes a chat: kvlab's ChatTokenizer or a model's (tokenizers/model-tokenizer). */
export interface ChatEncoder {
  encodeChat(messages: readonly ChatMessageLike[], addGenerationPrompt?: boolean): number[];
}

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

/**
 * The longest o200k_base token, in UTF-8 bytes (a run of spaces; a test checks it against the whole
 * vocabulary). A prompt of more than maxModelLen · MAX_TOKEN_BYTES bytes certainly has more than
 * maxModelLen tokens, so it can be refused without tokenizing it.
 */
export const MAX_TOKEN_BYTES = 128;

/** Throws context_length_exceeded when `bytes` of prompt certainly exceed maxModelLen tokens. */
export function checkPromptBytes(bytes: number, maxModelLen: number, param: string): void {
  if (bytes <= maxModelLen * MAX_TOKEN_BYTES) return;
  throw makeError('context_length_exceeded', { maxModelLen }, {
    message:
      `This model's maximum context length is ${maxModelLen} tokens. However, your prompt is ${bytes} bytes ` +
      `long, which is at least ${Math.ceil(bytes / MAX_TOKEN_BYTES)} tokens. Please reduce the length of the messages or completion.`,
    param,
  });
}

/** Prompt tokens of a chat request (throws context_length_exceeded for prompts certainly too long). */
export function chatPromptTokens(tok: ChatEncoder, messages: readonly ChatRequestMessage[], maxModelLen = Infinity): number[] {
  const flat = chatMessagesLike(messages);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: count the bytes only when that bound is not enough.
  let units = 0;
  for (const m of flat) units += m.content.length + m.role.length;
  if (units * 3 > maxModelLen * MAX_TOKEN_BYTES) {
    let bytes = 0;
    for (const m of flat) bytes += Buffer.byteLength(m.content, 'utf8') + Buffer.byteLength(m.role, 'utf8');
    checkPromptBytes(bytes, maxModelLen, 'messages');
  }
  return tok.encodeChat(flat);
}

/** Tokens of a completions prompt given as text (throws context_length_exceeded for text certainly too long). */
export function textPromptTokens(text: string, maxModelLen = Infinity, encodeText: (text: string) => number[] = encode): number[] {
  if (text.length * 3 > maxModelLen * MAX_TOKEN_BYTES) checkPromptBytes(Buffer.byteLength(text, 'utf8'), maxModelLen, 'prompt');
  return encodeText(text);
}
