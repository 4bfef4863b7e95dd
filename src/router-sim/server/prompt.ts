/**
 * Request → prompt tokens, the way the kvlab mocker tokenizes them (same core tokenizer and chat
 * template), so the router's block hashes match the workers' for the same prompt. Chat: messages with
 * content parts joined, reasoning dropped, generation prompt appended. Completions: a string is
 * encoded, a token-id array is taken as is, a list of one prompt is unwrapped (several prompts are a
 * 400, as at the mocker).
 *
 * Cost bound: BPE work grows with the prompt, so before tokenizing, a prompt of more than
 * maxModelLen · MAX_TOKEN_BYTES UTF-8 bytes is refused with a 400 (it certainly has more than
 * maxModelLen tokens: no o200k token is longer than 128 bytes, the bound the mocker uses too). Below
 * that bound the worker checks the exact length.
 *
 * Approximation: against a real backend with another tokenizer/template, hashes of the router and the
 * workers differ; the kv indexer recomputes local hashes from the events' token ids, so overlaps stay
 * meaningful only if the template matches too.
 */
import type { ChatTokenizer } from '../../core/chat-template.ts';
import type { ChatRequestMessage, CompletionPrompt } from '../../core/openai-schemas.ts';
import { chatMessagesLike, checkPromptBytes, MAX_TOKEN_BYTES, singlePrompt } from '../../core/prompt.ts';
import { encode } from '../../core/tokenizer.ts';

export { checkPromptBytes, MAX_TOKEN_BYTES };

export function chatPromptTokens(tok: ChatTokenizer, messages: readonly ChatRequestMessage[], maxModelLen = Infinity): number[] {
  const flat = chatMessagesLike(messages);
  let bytes = 0;
  for (const m of flat) bytes += Buffer.byteLength(m.content, 'utf8') + Buffer.byteLength(m.role, 'utf8');
  checkPromptBytes(bytes, maxModelLen, 'messages');
  return tok.encodeChat(flat);
}

export function completionPromptTokens(prompt: CompletionPrompt, maxModelLen = Infinity): number[] {
  const one = singlePrompt(prompt);
  if (typeof one !== 'string') return one;
  checkPromptBytes(Buffer.byteLength(one, 'utf8'), maxModelLen, 'prompt');
  return encode(one);
}
