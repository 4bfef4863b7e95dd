/**
 * Request prompt → token ids, with the context-length checks that must happen before any expensive
 * work (core/prompt, shared with the router). Chat prompts go through core/chat-template (memoised per
 * message, reasoning dropped, content parts joined); text prompts are encoded as is, or taken as token
 * ids (checked against the vocabulary here: the router takes them as they are).
 *
 * The cheap pre-check: no o200k token is longer than MAX_TOKEN_BYTES UTF-8 bytes (128: a run of
 * spaces; a test checks this against the whole vocabulary), so a prompt of more than
 * maxModelLen · MAX_TOKEN_BYTES bytes certainly has more than maxModelLen tokens and is rejected
 * without tokenizing it. Below that bound the prompt is tokenized and checked exactly.
 */
import { makeError } from '../../core/errors.ts';
import type { CompletionPrompt } from '../../core/openai-schemas.ts';
import { chatPromptTokens, MAX_TOKEN_BYTES, singlePrompt, textPromptTokens } from '../../core/prompt.ts';
import { isValidToken } from '../../core/tokenizer.ts';
import type { ModelTokenizer } from '../../core/tokenizers/model-tokenizer.ts';

export { chatPromptTokens, MAX_TOKEN_BYTES };

/** Prompt tokens of a completions request: one string or one list of token ids. */
export function completionPromptTokens(prompt: CompletionPrompt, maxModelLen: number, tok?: ModelTokenizer): number[] {
  const one = singlePrompt(prompt);
  const isValid = tok ? (id: number) => tok.isValidToken(id) : isValidToken;
  if (typeof one === 'string') {
    const tokens = textPromptTokens(one, maxModelLen, tok ? (t) => tok.encodeText(t) : undefined);
    if (tokens.length === 0) throw makeError('invalid_request', { detail: 'prompt: must not be empty', param: 'prompt' });
    return tokens;
  }
  for (let i = 0; i < one.length; i++) {
    if (!isValid(one[i])) {
      throw makeError('invalid_request', { detail: `prompt: token id ${one[i]} at index ${i} is out of vocabulary`, param: 'prompt' });
    }
  }
  return one;
}
