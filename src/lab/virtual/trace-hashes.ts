/**
 * Block hashes of trace prompts in virtual time, derived from the trace's block ids instead of from
 * tokens. A trace prompt (one user message) is the template's `head` tokens, then one lorem run of
 * `runLength` tokens per id (the last run cut so the content is the row's input length), then the
 * template's `tail` tokens. Given the hashes of the blocks before it, the tokens of engine block b are
 * fixed by the ids of the runs it overlaps and by where the content ends if that is inside the block
 * (everything else — the head, the tail, where runs start — is the same for every prompt). So block b's
 * hash is core/block-hash's `hashBlock` over that short description, chained on block b−1's hash: two
 * prompts share block b's hash only when their tokens agree up to its end (short of a hash collision),
 * and, for blocks of 8 tokens or more, exactly then (different ids' lorem runs can agree on a token
 * or two, so a block of 1–3 tokens can hold equal tokens under different hashes). No prompt token is
 * generated: a replayed Mooncake trace would otherwise write and hash ~60 M tokens. Only the tokens
 * after the last full block are written (the engine hashes them with the first output tokens;
 * EngineRequest.promptLength).
 *
 * Approximation: the hashes differ in value from `blockHashes` of the same tokens, so they match only
 * other trace prompts hashed here: a prompt of the same tokens built another way (speculative prefill,
 * history) would not hit them. The virtual cluster therefore uses this only for single-message trace
 * turns without speculative prefill.
 */
import { hashBlock, ROOT_HASH } from '../../core/block-hash.ts';
import { writeTokensForId } from '../../core/lorem.ts';
import { promptLength, type TracePrompt } from '../../client/workloads/trace.ts';

/** A prompt as a hash-only engine request carries it. */
export interface HashedPrompt {
  /** Prompt tokens. */
  length: number;
  /** Chained hashes of its full engine blocks. */
  hashes: number[];
  /** Its tokens after the last full block (length mod blockSize of them). */
  tail: Int32Array;
}

const TWO_32 = 4294967296;
/** First word of a block description (any constant; keeps descriptions apart from short token runs). */
const BLOCK_TAG = 0x6b766c62;
/** Marks where the content ends inside a block. */
const END_TAG = 0x656e6421;

export class TracePromptHasher {
  // Scratch for one block's description: tag, 2 words per overlapped run, end marker + offset.
  private key: Int32Array;

  constructor(
    readonly blockSize: number,
    /** Template tokens before the content and after it (closing tokens + generation prompt). */
    readonly head: readonly number[],
    readonly tail: readonly number[],
  ) {
    this.key = new Int32Array(8);
  }

  /** Hashes, length and last partial block of `prompt`'s chat prompt (content runs of `runLength` tokens). */
  hash(prompt: TracePrompt, runLength: number): HashedPrompt {
    const bs = this.blockSize;
    const L = runLength;
    const H = this.head.length;
    const contentEnd = H + promptLength(prompt, L);
    const total = contentEnd + this.tail.length;
    const full = Math.floor(total / bs);
    const ids = prompt.ids;
    const hashes = new Array<number>(full);
    const need = 3 + 2 * (Math.ceil(bs / L) + 1);
    if (this.key.length < need) this.key = new Int32Array(need);
    const key = this.key;
    let parent = ROOT_HASH;
    for (let b = 0; b < full; b++) {
      const s = b * bs;
      const e = s + bs;
      let n = 0;
      key[n++] = BLOCK_TAG;
      // Runs overlapping [s, e) within the content [H, contentEnd).
      const lo = Math.max(s, H);
      const hi = Math.min(e, contentEnd);
      if (lo < hi) {
        for (let j = Math.floor((lo - H) / L), last = Math.floor((hi - 1 - H) / L); j <= last; j++) {
          const id = ids[j];
          key[n++] = id; // the Int32Array keeps the low 32 bits, as `id % 2^32` did (no float remainder)
          key[n++] = Math.floor(id / TWO_32);
        }
      }
      if (s < contentEnd && contentEnd < e) {
        key[n++] = END_TAG;
        key[n++] = contentEnd - s;
      }
      parent = hashBlock(parent, key, 0, n);
      hashes[b] = parent;
    }
    return { length: total, hashes, tail: this.tokens(prompt, L, full * bs, total, contentEnd) };
  }

  /** The prompt's real tokens [start, end). */
  private tokens(prompt: TracePrompt, L: number, start: number, end: number, contentEnd: number): Int32Array {
    const out = new Int32Array(end - start);
    const H = this.head.length;
    let i = start;
    for (; i < end && i < H; i++) out[i - start] = this.head[i];
    while (i < end && i < contentEnd) {
      const j = Math.floor((i - H) / L);
      const from = i - H - j * L;
      const n = Math.min(L - from, contentEnd - i, end - i);
      writeTokensForId(prompt.ids[j], n, out, i - start, from);
      i += n;
    }
    for (; i < end; i++) out[i - start] = this.tail[i - contentEnd];
    return out;
  }
}
