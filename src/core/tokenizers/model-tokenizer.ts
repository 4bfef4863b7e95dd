/**
 * The tokenizer a server speaks: the interface the mock workers and the router read prompts and write
 * answers through, and its default, kvlab's own o200k_base with its ChatML-like template
 * (core/tokenizer, core/chat-template, core/lorem). `--tokenizer PATH` swaps in a Hugging Face model's
 * tokenizer and chat template (hf-tokenizer.ts); the default path is the code kvlab always ran, so its
 * ids, texts and seeded draws are unchanged.
 *
 * An answer is planned as token ids drawn from single-token words (`answerTokens`) and sent as their
 * text (`answerText`), chosen so that the text re-tokenizes to exactly those ids inside the next turn's
 * prompt: a follow-up turn then hits the cache for prompt + answer.
 */
import { ChatTokenizer, type ChatMessageLike } from '../chat-template.ts';
import { KVLAB_TOKENIZER } from '../preprocessed.ts';
import { loremTokens, tokensToLoremText } from '../lorem.ts';
import type { Rng } from '../rng.ts';
import { LOREM_WORDS, type PromptWords } from './prompt-words.ts';
import { encode, isValidToken } from '../tokenizer.ts';

export interface ModelTokenizer {
  /** What it is, for logs and /health: `o200k_base` or the tokenizer.json path. */
  readonly name: string;
  /** Identity a worker advertises for preprocessed prompts (core/preprocessed): same id, same ids for the same request. */
  readonly id: string;
  /** A chat request's prompt ids, as the model's template renders it (plus the generation prompt unless false). */
  encodeChat(messages: readonly ChatMessageLike[], addGenerationPrompt?: boolean): number[];
  /** A completions prompt's ids. */
  encodeText(text: string): number[];
  /** Tokens of plain text without special tokens (an answer's, for a client counting what it got). */
  countText(text: string): number;
  /** True when `id` is in the vocabulary. */
  isValidToken(id: number): boolean;
  /**
   * `n` answer tokens drawn with `rng`; `contentStart` is where the visible content starts after
   * `contentStart` reasoning tokens (a template may render content on its own, so it must re-tokenize alone).
   */
  answerTokens(rng: Rng, n: number, contentStart: number): number[];
  /** Text of a run of answer tokens (re-encodes to them). */
  answerText(tokens: readonly number[]): string;
  /** Words generated prompts are made of (bench workloads), exact token counts in this vocabulary. */
  readonly promptWords: PromptWords;
}

/** kvlab's own tokenizer: o200k_base, its ChatML-like template and the lorem words. */
export function o200kTokenizer(chat: ChatTokenizer = new ChatTokenizer()): ModelTokenizer {
  return {
    name: 'o200k_base',
    id: KVLAB_TOKENIZER,
    encodeChat: (messages, addGenerationPrompt) => chat.encodeChat(messages, addGenerationPrompt),
    encodeText: (text) => encode(text),
    countText: (text) => encode(text).length,
    isValidToken,
    answerTokens: (rng, n) => loremTokens(rng, n),
    answerText: (tokens) => tokensToLoremText(tokens),
    promptWords: LOREM_WORDS,
  };
}
