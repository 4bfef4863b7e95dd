/**
 * A Hugging Face model's tokenizer as a ModelTokenizer: tokenizer.json run by @huggingface/tokenizers
 * (a pure-JavaScript port of the `tokenizers` library), the chat template of tokenizer_config.json
 * rendered by @huggingface/jinja, as vLLM's `/v1/chat/completions` does: the template renders the
 * messages with `add_generation_prompt`, `bos_token` and the other special tokens, and the text is
 * tokenized without adding special tokens (the template writes BOS itself). A completions prompt is
 * tokenized with them (Llama-3 gets its BOS), as vLLM's `/v1/completions` does.
 *
 * Speed: the rendered prompt is cut at the added tokens (`<|eot_id|>`, `<|im_start|>`...; added-tokens.ts),
 * which the tokenizer also splits on before BPE. For Llama-3's and Qwen2/3's pipelines each text
 * segment is then pre-tokenized by kvlab and its pieces' ids taken from a piece memo (piece-encoder.ts;
 * the library encodes only pieces not seen lately): a new 16k-token chat costs ~1–2 ms of CPU instead of
 * the library's ~150–250 ms. Segments of 256+ characters (a conversation's earlier messages) are also
 * memoised whole from their second sighting, so a follow-up turn scans only what is new. For any other
 * pipeline each text segment's ids are memoised whole at once (bounded, oldest first out). Tests pin both to the
 * library's own encoding of the whole text. When an added token strips whitespace or must be a single
 * word, segments are not independent and the whole text is encoded by the library.
 *
 * Answers: single-token words of this vocabulary (answer-words.ts), checked at load to re-tokenize
 * inside the template (a follow-up turn's prompt starts with the previous prompt and the answer).
 * Approximations: the template sees `role` and `content` only (no tools, no reasoning_content); the
 * prompt byte bound (core/prompt MAX_TOKEN_BYTES = 128) assumes no token is longer than 128 UTF-8
 * bytes, true of Llama-3 and Qwen3 (their longest is a run of 128 spaces).
 */
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import type { ChatMessageLike } from '../chat-template.ts';
import { makeError } from '../errors.ts';
import { createRng, type Rng } from '../rng.ts';
import { answerWordsText, drawAnswerTokens, MIN_ANSWER_WORDS, pickAnswerWords, type AnswerWords } from './answer-words.ts';
import { AddedTokenSplitter } from './added-tokens.ts';
import { cl100kSplitter } from './cl100k-split.ts';
import type { ModelTokenizer } from './model-tokenizer.ts';
import { PieceEncoder } from './piece-encoder.ts';
import { answerPromptWords, type PromptWords } from './prompt-words.ts';

/** A tokenizer that cannot be used: the one-line reason, naming the file (a start-up error). */
export class TokenizerFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerFileError';
  }
}

/** A tokenizer's two files, parsed (read by lab/hf-tokenizer-files). */
export interface HfTokenizerFiles {
  /** The tokenizer.json path (its name in messages). */
  tokenizerPath: string;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** `hf:` + a digest of both files' text: two processes loading the same files agree on it. */
  digest: string;
}

/** Most segments and token ids the memo keeps. */
const MEMO_ENTRIES = 4096;
const MEMO_TOKENS = 4_000_000;
/** Shortest text segment memoised whole on the piece-by-piece path (shorter ones cost a few µs to encode). */
const MEMO_MIN_CHARS = 256;

/** A special token's text in tokenizer_config.json: a string, or an object with `content`. */
function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

/**
 * A piece encoder for `json` when its pipeline is one piece-encoder.ts reproduces exactly: a byte-level
 * BPE model (no dropout, no byte fallback), no normalizer or NFC, and a pre-tokenizer of Llama-3's or
 * Qwen2's Split regex followed by ByteLevel without its own regex; else null (the library encodes).
 */
function pieceEncoderFor(json: Record<string, unknown>, tok: Tokenizer): PieceEncoder | null {
  const model = json.model as { type?: unknown; dropout?: unknown; byte_fallback?: unknown };
  const normalizer = json.normalizer as { type?: unknown } | null | undefined;
  const pre = json.pre_tokenizer as { type?: unknown; pretokenizers?: unknown } | null | undefined;
  if (model.type !== 'BPE' || (model.dropout ?? null) !== null || model.byte_fallback === true) return null;
  if (normalizer != null && normalizer.type !== 'NFC') return null;
  if (pre == null || pre.type !== 'Sequence' || !Array.isArray(pre.pretokenizers) || pre.pretokenizers.length !== 2) return null;
  const [split, byteLevel] = pre.pretokenizers as { type?: unknown; pattern?: { Regex?: unknown }; behavior?: unknown; invert?: unknown; add_prefix_space?: unknown; use_regex?: unknown }[];
  if (split.type !== 'Split' || split.behavior !== 'Isolated' || split.invert !== false || typeof split.pattern?.Regex !== 'string') return null;
  if (byteLevel.type !== 'ByteLevel' || byteLevel.add_prefix_space !== false || byteLevel.use_regex !== false) return null;
  const splitter = cl100kSplitter(split.pattern.Regex);
  if (splitter === null) return null;
  const normalize = normalizer == null ? undefined : (t: string) => t.normalize('NFC');
  return new PieceEncoder(splitter, (piece) => tok.encode(piece, { add_special_tokens: false }).ids, normalize);
}

export class HfModelTokenizer implements ModelTokenizer {
  readonly name: string;
  readonly id: string;
  private readonly tok: Tokenizer;
  private readonly template: Template;
  private readonly templateVars: Record<string, string>;
  /** Splits text at added tokens, or null when segments are not independent. */
  private readonly splitter: AddedTokenSplitter | null;
  /** Piece-by-piece encoding when the pipeline allows it (pieceEncoderFor), else null. */
  private readonly pieces: PieceEncoder | null;
  /** Segment → ids, or null for a segment seen once (the piece-by-piece path keeps ids from the second sighting). */
  private readonly memo = new Map<string, ArrayLike<number> | null>();
  private memoTokens = 0;
  private readonly vocabSize: number;
  private readonly words: AnswerWords;
  private misses = 0;
  readonly promptWords: PromptWords;

  constructor(files: HfTokenizerFiles) {
    this.name = files.tokenizerPath;
    this.id = files.digest;
    try {
      this.tok = new Tokenizer(files.tokenizerJson, files.tokenizerConfig);
    } catch (err) {
      throw new TokenizerFileError(`tokenizer ${files.tokenizerPath}: cannot be loaded (${(err as Error).message})`);
    }
    try {
      this.template = new Template(files.tokenizerConfig.chat_template as string);
    } catch (err) {
      throw new TokenizerFileError(`tokenizer ${files.tokenizerPath}: its chat template does not parse (${(err as Error).message})`);
    }
    const vars: Record<string, string> = {};
    for (const k of ['bos_token', 'eos_token', 'pad_token', 'unk_token']) {
      const t = tokenText(files.tokenizerConfig[k]);
      if (t !== undefined) vars[k] = t;
    }
    this.templateVars = vars;
    const added = [...this.tok.get_added_tokens_decoder().values()];
    let independent = added.length > 0;
    for (const a of added) {
      if (a.lstrip || a.rstrip || a.single_word || a.content.length === 0) independent = false;
    }
    this.splitter = independent ? new AddedTokenSplitter(added) : null;
    this.pieces = this.splitter === null ? null : pieceEncoderFor(files.tokenizerJson, this.tok);
    this.vocabSize = this.tok.get_vocab(true).size;
    this.words = pickAnswerWords((text) => this.tok.encode(text, { add_special_tokens: false }).ids);
    if (this.words.bare.length < MIN_ANSWER_WORDS) {
      throw new TokenizerFileError(
        `tokenizer ${files.tokenizerPath}: its vocabulary has ${this.words.bare.length} single-token words to generate answers from (at least ${MIN_ANSWER_WORDS} needed)`,
      );
    }
    this.checkAnswersRetokenize();
    this.promptWords = answerPromptWords(this.id, this.words);
  }

  encodeChat(messages: readonly ChatMessageLike[], addGenerationPrompt = true): number[] {
    return this.encodeSegments(this.render(messages, addGenerationPrompt));
  }

  encodeText(text: string): number[] {
    this.misses++;
    return this.tok.encode(text).ids;
  }

  countText(text: string): number {
    return this.tok.encode(text, { add_special_tokens: false }).ids.length;
  }

  isValidToken(id: number): boolean {
    return Number.isInteger(id) && id >= 0 && id < this.vocabSize && this.tok.id_to_token(id) !== undefined;
  }

  answerTokens(rng: Rng, n: number, contentStart: number): number[] {
    return drawAnswerTokens(this.words, rng, n, contentStart);
  }

  answerText(tokens: readonly number[]): string {
    return answerWordsText(this.words, tokens);
  }

  /** Texts the library has tokenized so far (segment or piece memo misses); for tests. */
  get tokenizeCount(): number {
    return this.misses + (this.pieces?.missCount ?? 0);
  }

  /** The template's text for `messages`; a template error is a 400 naming it. */
  render(messages: readonly ChatMessageLike[], addGenerationPrompt: boolean): string {
    try {
      return this.template.render({
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        add_generation_prompt: addGenerationPrompt,
        ...this.templateVars,
      });
    } catch (err) {
      throw makeError('invalid_request', { detail: `messages: the model's chat template cannot render these messages: ${(err as Error).message}`, param: 'messages' });
    }
  }

  /** Ids of rendered text as the library encodes it whole (no memo; what the memo must equal). */
  encodeRendered(text: string): number[] {
    return this.tok.encode(text, { add_special_tokens: false }).ids;
  }

  /** Ids of rendered text without added special tokens: segment by segment through the memo. */
  private encodeSegments(text: string): number[] {
    if (this.splitter === null) {
      this.misses++;
      return this.tok.encode(text, { add_special_tokens: false }).ids;
    }
    const parts = this.splitter.split(text);
    const pieces = this.pieces;
    if (pieces !== null) {
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i];
        if (i % 2 === 1) pieces.addId(this.splitter.idOf(p) as number);
        else if (p.length < MEMO_MIN_CHARS) pieces.addText(p);
        else {
          // A long message (a conversation's history) is looked up whole first, and kept from its
          // second sighting on (a one-off prompt costs no copy of its ids).
          const hit = this.recall(p);
          if (hit !== null && hit !== undefined) pieces.addIds(hit);
          else {
            const at = pieces.length;
            pieces.addText(p);
            this.remember(p, hit === null ? pieces.idsSince(at) : null);
          }
        }
      }
      return pieces.take();
    }
    const out: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (p.length === 0) continue;
      if (i % 2 === 1) {
        out.push(this.splitter.idOf(p) as number);
        continue;
      }
      const ids = this.segment(p);
      for (let k = 0; k < ids.length; k++) out.push(ids[k]);
    }
    return out;
  }

  private segment(text: string): ArrayLike<number> {
    const hit = this.recall(text);
    if (hit !== undefined && hit !== null) return hit;
    this.misses++;
    const ids = this.tok.encode(text, { add_special_tokens: false }).ids;
    this.remember(text, ids);
    return ids;
  }

  /** A memoised segment's ids, null when it was only seen, undefined when unknown (made the newest entry). */
  private recall(text: string): ArrayLike<number> | null | undefined {
    const hit = this.memo.get(text);
    if (hit !== undefined) {
      this.memo.delete(text);
      this.memo.set(text, hit);
    }
    return hit;
  }

  /** Memoises a segment's ids (or that it was seen: null), the oldest entries out past the bounds. */
  private remember(text: string, ids: ArrayLike<number> | null): void {
    const n = ids?.length ?? 0;
    if (n > MEMO_TOKENS) return;
    const old = this.memo.get(text);
    if (old) this.memoTokens -= old.length;
    this.memo.set(text, ids);
    this.memoTokens += n;
    for (const [k, v] of this.memo) {
      if (this.memo.size <= MEMO_ENTRIES && this.memoTokens <= MEMO_TOKENS) break;
      this.memo.delete(k);
      this.memoTokens -= v?.length ?? 0;
    }
  }

  /** Load-time check: a seeded two-turn chat's answer re-tokenizes inside the next prompt. */
  private checkAnswersRetokenize(): void {
    const rng = createRng('answer-words-check');
    const answer = this.answerTokens(rng, 200, 0);
    const text = this.answerText(answer);
    let first: number[];
    let next: number[];
    try {
      first = this.encodeChat([{ role: 'user', content: 'hello' }]);
      next = this.encodeChat([{ role: 'user', content: 'hello' }, { role: 'assistant', content: text }, { role: 'user', content: 'more' }]);
    } catch (err) {
      throw new TokenizerFileError(`tokenizer ${this.name}: its chat template cannot render a user/assistant chat (${(err as Error).message})`);
    }
    const expected = first.concat(answer);
    if (next.length < expected.length || expected.some((id, i) => next[i] !== id)) {
      throw new TokenizerFileError(`tokenizer ${this.name}: generated answers do not re-tokenize to their own ids under its chat template`);
    }
  }
}
