/**
 * Request → the prompt's token ids, length and block hashes, the way the kvlab mocker tokenizes prompts
 * (same core tokenizer and chat template), so the router's block hashes match the workers' for the same
 * prompt; the ids and hashes then go to kvlab workers as the preprocessed prompt (proxy.ts).
 * Chat: messages with content parts joined, reasoning dropped, generation prompt appended. Completions:
 * a string is encoded, a token-id array is taken as is, a list of one prompt is unwrapped (several
 * prompts are a 400, as at the mocker).
 *
 * Cost bounds: BPE work grows with the prompt, so before tokenizing, a prompt of more than
 * maxModelLen · MAX_TOKEN_BYTES UTF-8 bytes is refused with a 400 (it certainly has more than
 * maxModelLen tokens: no o200k token is longer than 128 bytes, the bound the mocker uses too). Below
 * that bound the worker checks the exact length. The chat tokenizer memoises single messages (a long
 * one from its second sighting), so a growing conversation is only tokenized for its new messages;
 * the prompt is hashed on every request.
 *
 * Approximation: against a real backend with another tokenizer/template, hashes of the router and the
 * workers differ; the kv indexer recomputes local hashes from the events' token ids, so overlaps stay
 * meaningful only if the template matches too.
 */
import { blockHashes } from '../../core/block-hash.ts';
import type { ModelTokenizer } from '../../core/tokenizers/model-tokenizer.ts';
import type { ChatRequestMessage, CompletionPrompt } from '../../core/openai-schemas.ts';
import { chatPromptTokens, singlePrompt, textPromptTokens } from '../../core/prompt.ts';

export interface PromptBlocks {
  /** Prompt length in tokens. */
  promptTokens: number;
  /** Chained hashes of the prompt's full blocks. */
  hashes: readonly number[];
  /** The prompt's token ids (handed to kvlab workers, see proxy.ts). */
  tokens: readonly number[];
}

/** Computes a request's prompt length and block hashes (tokenizing through the memoised chat template). */
export class PromptHasher {
  constructor(
    private readonly tokenizer: Pick<ModelTokenizer, 'encodeChat' | 'encodeText'>,
    readonly blockSize: number,
  ) {}

  chat(messages: readonly ChatRequestMessage[], maxModelLen = Infinity): PromptBlocks {
    return this.blocksOf(chatPromptTokens(this.tokenizer, messages, maxModelLen));
  }

  completion(prompt: CompletionPrompt, maxModelLen = Infinity): PromptBlocks {
    const one = singlePrompt(prompt);
    return this.blocksOf(typeof one === 'string' ? textPromptTokens(one, maxModelLen, (t) => this.tokenizer.encodeText(t)) : one);
  }

  private blocksOf(tokens: readonly number[]): PromptBlocks {
    return { promptTokens: tokens.length, hashes: blockHashes(tokens, this.blockSize), tokens };
  }
}
