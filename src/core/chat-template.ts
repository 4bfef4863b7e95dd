/**
 * The chat template: how a list of chat messages becomes the prompt's token ids. ChatML-like, with
 * o200k_base's real special ids for <|im_start|> (200003) and <|im_end|> (200004):
 *
 *   per message:        [IM_START] encode(role) [NEWLINE] contentTokens [IM_END]
 *   generation prompt:  [IM_START] encode('assistant') [NEWLINE]
 *
 * Content is encoded on its own (never merged with the header), so an assistant message whose content
 * is the text of generated tokens re-encodes to exactly those tokens, and a follow-up turn's prompt
 * starts with the previous prompt plus the answer (its KV blocks hit). `reasoning_content` is dropped,
 * as real chat templates drop thinking from history. Messages are memoised per (role, content) in a
 * bounded LRU so a long conversation is not re-tokenized on every turn.
 *
 * Approximation: real models' templates differ (system prompts, BOS, separators); only the structure
 * (fixed per-message overhead, content encoded separately) matters to kvlab.
 */
import { encode, NEWLINE_TOKEN, SPECIAL_TOKENS } from './tokenizer.ts';

export { NEWLINE_TOKEN } from './tokenizer.ts';
export const IM_START = SPECIAL_TOKENS.imStart;
export const IM_END = SPECIAL_TOKENS.imEnd;

export interface ChatMessageLike {
  role: string;
  content: string;
  /** Pre-computed tokens of `content` (virtual time); used instead of encoding `content`. */
  contentTokens?: ArrayLike<number>;
  /** Thinking; dropped by the template. */
  reasoning_content?: string;
}

/** Tokens appended after the messages when a generation prompt is requested. */
export const GENERATION_PROMPT_TOKENS: readonly number[] = Object.freeze([
  IM_START,
  ...encode('assistant'),
  NEWLINE_TOKEN,
]);

/**
 * Template tokens added around `numMessages` messages plus the generation prompt, assuming one-token
 * role names (true for system, user, assistant, tool).
 */
export function templateOverhead(numMessages: number): number {
  return numMessages * 4 + GENERATION_PROMPT_TOKENS.length;
}

const DEFAULT_MAX_CACHE_ENTRIES = 4096;

/** A small LRU over a Map (insertion order = recency). */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    if (this.max <= 0) return;
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
  get size(): number {
    return this.map.size;
  }
}

/** Encodes chats with the template above, memoising each message's tokens. */
export class ChatTokenizer {
  private readonly messages: Lru<readonly number[]>;
  private readonly texts: Lru<readonly number[]>;
  private misses = 0;

  constructor(opts: { maxCacheEntries?: number } = {}) {
    const max = opts.maxCacheEntries ?? DEFAULT_MAX_CACHE_ENTRIES;
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`maxCacheEntries must be an integer ≥ 0, got ${max}`);
    this.messages = new Lru(max);
    this.texts = new Lru(max);
  }

  /** Prompt token ids of `messages` (plus the generation prompt unless `addGenerationPrompt` is false). */
  encodeChat(messages: readonly ChatMessageLike[], addGenerationPrompt = true): number[] {
    const out: number[] = [];
    for (const m of messages) {
      const part = this.encodeMessage(m);
      for (let i = 0; i < part.length; i++) out.push(part[i]);
    }
    if (addGenerationPrompt) for (const t of GENERATION_PROMPT_TOKENS) out.push(t);
    return out;
  }

  /** Plain text → tokens (memoised; do not mutate the result). */
  encodeText(text: string): number[] {
    let t = this.texts.get(text);
    if (t === undefined) {
      this.misses++;
      t = encode(text);
      this.texts.set(text, t);
    }
    return t as number[];
  }

  /** How many times text was actually tokenized (cache misses); for tests and metrics. */
  get tokenizeCount(): number {
    return this.misses;
  }

  private encodeMessage(m: ChatMessageLike): readonly number[] {
    if (m.contentTokens !== undefined) return this.frame(m.role, m.contentTokens);
    const key = `${m.role}\u0000${m.content}`;
    let t = this.messages.get(key);
    if (t === undefined) {
      this.misses++;
      t = this.frame(m.role, encode(m.content));
      this.messages.set(key, t);
    }
    return t;
  }

  private frame(role: string, content: ArrayLike<number>): number[] {
    const out = [IM_START, ...this.encodeText(role), NEWLINE_TOKEN];
    for (let i = 0; i < content.length; i++) out.push(content[i]);
    out.push(IM_END);
    return out;
  }
}
