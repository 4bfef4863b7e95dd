/**
 * Request → the prompt's length and block hashes, the way the kvlab mocker tokenizes prompts (same core
 * tokenizer and chat template), so the router's block hashes match the workers' for the same prompt.
 * Chat: messages with content parts joined, reasoning dropped, generation prompt appended. Completions:
 * a string is encoded, a token-id array is taken as is, a list of one prompt is unwrapped (several
 * prompts are a 400, as at the mocker).
 *
 * Cost bounds: BPE work grows with the prompt, so before tokenizing, a prompt of more than
 * maxModelLen · MAX_TOKEN_BYTES UTF-8 bytes is refused with a 400 (it certainly has more than
 * maxModelLen tokens: no o200k token is longer than 128 bytes, the bound the mocker uses too). Below
 * that bound the worker checks the exact length. A prompt seen recently is neither tokenized nor hashed
 * again: `PromptHasher` keeps the length and hashes of the latest prompts (chat messages or completion
 * text, keyed by their exact text) in an LRU bounded by an estimate of its bytes; the chat tokenizer
 * also memoises single messages, so a growing conversation is only tokenized for its new messages.
 *
 * Approximation: against a real backend with another tokenizer/template, hashes of the router and the
 * workers differ; the kv indexer recomputes local hashes from the events' token ids, so overlaps stay
 * meaningful only if the template matches too.
 */
import { blockHashes } from '../../core/block-hash.ts';
import type { ChatTokenizer } from '../../core/chat-template.ts';
import type { ChatRequestMessage, CompletionPrompt } from '../../core/openai-schemas.ts';
import { chatMessagesLike, checkPromptBytes, MAX_TOKEN_BYTES, singlePrompt } from '../../core/prompt.ts';
import { encode } from '../../core/tokenizer.ts';

export { checkPromptBytes, MAX_TOKEN_BYTES };

export interface PromptBlocks {
  /** Prompt length in tokens. */
  promptTokens: number;
  /** Chained hashes of the prompt's full blocks (do not mutate: memoised). */
  hashes: readonly number[];
}

/** Estimated fixed cost of one memo entry (Map slot, objects), bytes. */
const ENTRY_OVERHEAD_BYTES = 96;
/** Default memo budget: a few hundred long prompts. */
export const DEFAULT_PROMPT_MEMO_BYTES = 16 * 1024 * 1024;

export class PromptHasher {
  private readonly memo = new Map<string, { blocks: PromptBlocks; bytes: number }>();
  private bytes = 0;
  private misses = 0;

  constructor(
    private readonly tokenizer: ChatTokenizer,
    readonly blockSize: number,
    readonly maxMemoBytes = DEFAULT_PROMPT_MEMO_BYTES,
  ) {
    if (!Number.isInteger(maxMemoBytes) || maxMemoBytes < 0) throw new RangeError(`maxMemoBytes must be an integer ≥ 0, got ${maxMemoBytes}`);
  }

  /** Prompts tokenized and hashed so far (memo misses); for tests. */
  get computed(): number {
    return this.misses;
  }

  /** Estimated bytes held by the memo. */
  get memoBytes(): number {
    return this.bytes;
  }

  chat(messages: readonly ChatRequestMessage[], maxModelLen = Infinity): PromptBlocks {
    const flat = chatMessagesLike(messages);
    // Length-prefixed, so no two message lists share a key.
    let key = 'chat';
    for (const m of flat) key += `|${m.role.length}:${m.content.length}:${m.role}${m.content}`;
    const hit = this.get(key);
    if (hit) return hit;
    let bytes = 0;
    for (const m of flat) bytes += Buffer.byteLength(m.content, 'utf8') + Buffer.byteLength(m.role, 'utf8');
    checkPromptBytes(bytes, maxModelLen, 'messages');
    return this.put(key, this.tokenizer.encodeChat(flat));
  }

  completion(prompt: CompletionPrompt, maxModelLen = Infinity): PromptBlocks {
    const one = singlePrompt(prompt);
    if (typeof one !== 'string') return { promptTokens: one.length, hashes: blockHashes(one, this.blockSize) };
    const key = `text|${one}`;
    const hit = this.get(key);
    if (hit) return hit;
    checkPromptBytes(Buffer.byteLength(one, 'utf8'), maxModelLen, 'prompt');
    return this.put(key, encode(one));
  }

  private get(key: string): PromptBlocks | undefined {
    const hit = this.memo.get(key);
    if (hit === undefined) return undefined;
    this.memo.delete(key);
    this.memo.set(key, hit);
    return hit.blocks;
  }

  private put(key: string, tokens: readonly number[]): PromptBlocks {
    this.misses++;
    const blocks: PromptBlocks = { promptTokens: tokens.length, hashes: blockHashes(tokens, this.blockSize) };
    const bytes = key.length * 2 + blocks.hashes.length * 8 + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.maxMemoBytes / 4) return blocks; // too big to keep: it would evict many others
    this.memo.set(key, { blocks, bytes });
    this.bytes += bytes;
    for (const [k, e] of this.memo) {
      if (this.bytes <= this.maxMemoBytes) break;
      this.memo.delete(k);
      this.bytes -= e.bytes;
    }
    return blocks;
  }
}
