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
 * as real chat templates drop thinking from history.
 *
 * Memoisation: each text message's framed tokens are kept under (role, content) in an LRU (lru-cache)
 * bounded by the token ids it holds (`maxCacheTokens`) and by its entries (`maxCacheEntries`), so a long
 * conversation is not re-tokenized on every turn: a memoised `encodeChat` costs the tokenization of its
 * new messages, one Map lookup per message and one native block copy of the prompt, so its cost per new
 * token stays flat as the history grows (bench: tokenizer).
 *
 * A message longer than SECOND_SIGHT_CHARS is memoised only when it comes a second time (a bounded set
 * of fingerprints remembers long messages seen once): a server fed one-off long prompts would
 * otherwise fill the memo with arrays no request reuses, and the garbage collector's copying and
 * marking of them cost more per request than tokenizing. A long document repeated turn after turn is
 * tokenized twice, then memoised.
 *
 * Approximations: real models' templates differ (system prompts, BOS, separators); only the structure
 * (fixed per-message overhead, content encoded separately) matters to kvlab. The memo's budget counts
 * token ids, not the texts kept as keys (about 4 characters per token in natural text; more for long
 * runs of whitespace, up to 128 characters per token).
 */
import { LRUCache } from 'lru-cache';
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

// Parts joined by `concat` in encodeChat are plain (not frozen) small-integer arrays: one frozen part
// sends the whole call down V8's slow path, and a frozen array's copies are not small-integer arrays.
const GENERATION_PROMPT_PART: readonly number[] = [IM_START, ...encode('assistant'), NEWLINE_TOKEN];
const IM_END_PART: readonly number[] = [IM_END];

/** Tokens appended after the messages when a generation prompt is requested. */
export const GENERATION_PROMPT_TOKENS: readonly number[] = Object.freeze([...GENERATION_PROMPT_PART]);

/**
 * Template tokens added around `numMessages` messages plus the generation prompt, assuming one-token
 * role names (true for system, user, assistant, tool).
 */
export function templateOverhead(numMessages: number): number {
  return numMessages * 4 + GENERATION_PROMPT_TOKENS.length;
}

/** Default bound on the tokens the memo holds (≈ 32 MB of token ids, plus the texts used as keys). */
export const DEFAULT_MAX_CACHE_TOKENS = 4_000_000;
/** Default bound on the memo's entries (a long-running server's memo reaches its plateau quickly). */
export const DEFAULT_MAX_CACHE_ENTRIES = 4096;
/** Role headers ([IM_START] encode(role) [NEWLINE]) kept; further roles' headers are not cached. */
const MAX_CACHED_ROLES = 64;
/** Most parts joined by one native `concat` call (its arguments live on the stack). */
const MAX_CONCAT_PARTS = 8192;

export interface ChatTokenizerOptions {
  /** Most token ids the memo holds, summed over its entries (default 4 M); an entry with more is not kept. */
  maxCacheTokens?: number;
  /** Most entries the memo holds (default 4,096); 0 turns memoisation off. */
  maxCacheEntries?: number;
}

/** Texts longer than this (UTF-16 units, about 2,000 tokens) are memoised from their second sighting. */
export const SECOND_SIGHT_CHARS = 8192;
/** Fingerprints of long texts seen once, at most (the set is emptied when full). */
const MAX_SEEN_ONCE = 4096;

/** Memo group of plain texts (encodeText); framed messages are grouped by their role string. */
const TEXT_GROUP = null;
type Group = string | typeof TEXT_GROUP;

/** The tokens memoised for one text, one entry per group it came in (nearly always one). */
type MemoValue = readonly { readonly group: Group; readonly tokens: readonly number[] }[];

/**
 * (group, text) → tokens memo, least recently used text evicted first, bounded by the token ids it
 * holds and by its (group, text) pairs (`maxCacheEntries`): an lru-cache keyed by the text itself (no
 * concatenated key strings, so a hit costs a lookup whose hash the string already carries, not a copy
 * of a long text) whose size of an entry is its token count. A text that comes under several groups
 * is one entry holding each.
 */
class TokenMemo {
  private readonly lru: LRUCache<string, MemoValue>;
  /** Fingerprints of long keys seen once (a collision only memoises a text one sighting early). */
  private readonly seenOnce = new Set<number>();
  /** (group, text) pairs held; the lru-cache's own count is of texts. */
  private pairs = 0;

  constructor(
    private readonly maxTokens: number,
    private readonly maxEntries: number,
  ) {
    // lru-cache wants positive bounds; with a 0 bound `admits` refuses everything.
    this.lru = new LRUCache<string, MemoValue>({
      max: Math.max(1, maxEntries),
      maxSize: Math.max(1, maxTokens),
      sizeCalculation: memoSize,
      dispose: (v) => {
        this.pairs -= v.length;
      },
    });
  }

  get(group: Group, key: string): readonly number[] | undefined {
    const v = this.lru.get(key);
    if (v === undefined) return undefined;
    for (let i = 0; i < v.length; i++) if (v[i].group === group) return v[i].tokens;
    return undefined;
  }

  /**
   * Whether `n` tokens for (group, key), not yet held, will be kept: not when they alone exceed the token
   * budget, nor when there are none, nor when the key is long and seen for the first time. Call once per
   * miss, before `add`.
   */
  admits(group: Group, key: string, n: number): boolean {
    if (n === 0 || n > this.maxTokens || this.maxEntries === 0) return false;
    return key.length <= SECOND_SIGHT_CHARS || this.secondSight(group, key);
  }

  /** Keeps `tokens` for (group, key), not yet held and admitted (`admits`). */
  add(group: Group, key: string, tokens: readonly number[]): void {
    const v = [...(this.lru.peek(key) ?? []), { group, tokens }];
    // A text's groups over either bound on their own: keep the newest group alone (lru-cache would
    // refuse an entry over its size bound).
    const kept = memoSize(v) > this.maxTokens || v.length > this.maxEntries ? [{ group, tokens }] : v;
    this.pairs += kept.length;
    this.lru.set(key, kept);
    // lru-cache bounds the texts; a text held under several groups counts once there, so the pairs'
    // bound is kept here, from the least recently used end.
    while (this.pairs > this.maxEntries) this.lru.pop();
  }

  /** (group, text) pairs held. */
  get entries(): number {
    return this.pairs;
  }

  /** True when (group, key) was seen once before (and forgets it); else remembers it. */
  private secondSight(group: Group, key: string): boolean {
    const f = fingerprint(group, key);
    if (this.seenOnce.delete(f)) return true;
    if (this.seenOnce.size >= MAX_SEEN_ONCE) this.seenOnce.clear();
    this.seenOnce.add(f);
    return false;
  }

  get tokens(): number {
    return this.lru.calculatedSize;
  }
}

function memoSize(v: MemoValue): number {
  let n = 0;
  for (const e of v) n += e.tokens.length;
  return n;
}

/** A 30-bit fingerprint of a long key: its group, its length and 64 characters spread over it. */
function fingerprint(group: Group, key: string): number {
  let h = Math.imul(key.length, 0x9e3779b1);
  if (group !== null) for (let i = 0; i < group.length; i++) h = Math.imul(h ^ group.charCodeAt(i), 0x01000193);
  const step = Math.max(1, Math.floor(key.length / 64));
  for (let i = 0; i < key.length; i += step) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  return h & 0x3fffffff;
}

function checkLimit(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be an integer ≥ 0, got ${v}`);
  return v;
}

/**
 * `parts` joined into one new array of `total` elements. Native `concat` (a block copy for packed
 * arrays) is several times faster than copying element by element; past MAX_CONCAT_PARTS parts the
 * copy is done by hand into a pre-sized array.
 */
function joinParts(parts: (readonly number[])[], total: number): number[] {
  if (parts.length <= MAX_CONCAT_PARTS) return ([] as number[]).concat(...parts);
  const out = new Array<number>(total);
  let at = 0;
  for (const part of parts) for (let i = 0; i < part.length; i++) out[at++] = part[i];
  return out;
}

/**
 * Encodes chats with the template above. Each text message is memoised framed (header, content,
 * IM_END) under (role, content) — one the memo does not keep goes into the prompt unframed, without
 * a copy; `encodeText` memoises plain texts in the same memo and budget; role
 * headers are cached per role. A prompt is assembled by one copy of its parts, so a memoised call
 * costs its new messages' tokenization, a Map lookup per message and one block copy of the prompt.
 */
export class ChatTokenizer {
  private readonly memo: TokenMemo;
  private readonly headers = new Map<string, readonly number[]>();
  private misses = 0;

  constructor(opts: ChatTokenizerOptions = {}) {
    this.memo = new TokenMemo(
      checkLimit('maxCacheTokens', opts.maxCacheTokens ?? DEFAULT_MAX_CACHE_TOKENS),
      checkLimit('maxCacheEntries', opts.maxCacheEntries ?? DEFAULT_MAX_CACHE_ENTRIES),
    );
  }

  /** Prompt token ids of `messages` (plus the generation prompt unless `addGenerationPrompt` is false). */
  encodeChat(messages: readonly ChatMessageLike[], addGenerationPrompt = true): number[] {
    const parts: (readonly number[])[] = [];
    let total = 0;
    for (let k = 0; k < messages.length; k++) {
      const m = messages[k];
      if (m.contentTokens === undefined) {
        let framed = this.memo.get(m.role, m.content);
        if (framed === undefined) {
          this.misses++;
          const head = this.header(m.role);
          const content = encode(m.content);
          const n = head.length + content.length + 1;
          if (!this.memo.admits(m.role, m.content, n)) {
            // not kept: its parts go into the prompt as they are (no framed copy)
            parts.push(head, content, IM_END_PART);
            total += n;
            continue;
          }
          framed = ([] as number[]).concat(head, content, IM_END_PART);
          this.memo.add(m.role, m.content, framed);
        }
        parts.push(framed);
        total += framed.length;
      } else {
        const head = this.header(m.role);
        const ct = m.contentTokens;
        const content = Array.isArray(ct) && Object.isExtensible(ct) ? (ct as readonly number[]) : Array.from(ct);
        parts.push(head, content, IM_END_PART);
        total += head.length + content.length + 1;
      }
    }
    if (addGenerationPrompt) {
      parts.push(GENERATION_PROMPT_PART);
      total += GENERATION_PROMPT_PART.length;
    }
    return joinParts(parts, total);
  }

  /** Plain text → tokens (memoised; do not mutate the result). */
  encodeText(text: string): number[] {
    let t = this.memo.get(TEXT_GROUP, text);
    if (t === undefined) {
      this.misses++;
      t = encode(text);
      if (this.memo.admits(TEXT_GROUP, text, t.length)) this.memo.add(TEXT_GROUP, text, t);
    }
    return t as number[];
  }

  /** How many times text was actually tokenized (cache misses); for tests and metrics. */
  get tokenizeCount(): number {
    return this.misses;
  }

  /** What the memo holds now: entries and their token ids in total (role headers not counted). */
  get cacheStats(): { entries: number; tokens: number } {
    return { entries: this.memo.entries, tokens: this.memo.tokens };
  }

  /** [IM_START] encode(role) [NEWLINE], cached for the first MAX_CACHED_ROLES roles seen. */
  private header(role: string): readonly number[] {
    let h = this.headers.get(role);
    if (h === undefined) {
      this.misses++;
      h = [IM_START, ...encode(role), NEWLINE_TOKEN];
      if (this.headers.size < MAX_CACHED_ROLES) this.headers.set(role, h);
    }
    return h;
  }
}
