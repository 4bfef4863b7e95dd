/**
 * Block hashes of trace prompts, memoised by trace block id. A trace prompt is the chat template's head,
 * then one lorem run of L tokens per id, so prompt tokens [0, head + (j+1)·L) depend only on ids 0..j:
 * the engine-block hashes ending inside that span are the same for every prompt with those leading
 * ids. The memo keeps, per id, the hashes of the engine blocks that end inside its run, tagged with
 * the id before it and its position; a prompt reuses entries while the whole chain of (previous id,
 * position) matches, so the result equals `blockHashes(prompt, blockSize)` for any ids (prefix-chained
 * or not), and only the rest is hashed. Mooncake reuses ~64 % of its blocks, so most hashing is skipped.
 * Hashes are kept as Float64Array (53-bit integers are exact in a double).
 */
import { blockHashes, hashBlock, ROOT_HASH } from '../../core/block-hash.ts';
import type { TracePrompt } from '../../client/workloads/trace.ts';

interface Entry {
  /** Id of the previous run (null for the first). */
  pred: number | null;
  /** Run index in the prompt. */
  pos: number;
  /** Hashes of the engine blocks ending in (head + pos·L, head + (pos+1)·L]. */
  hashes: Float64Array;
}

export class TraceHashMemo {
  private readonly entries = new Map<number, Entry>();
  private runLength = -1;
  private headLength = -1;

  constructor(readonly blockSize: number) {}

  /**
   * `blockHashes(tokens, blockSize)` for a prompt whose tokens [head, head + content) are the trace
   * prompt's lorem runs of `runLength` tokens (content = the prompt's length in tokens).
   */
  hashes(tokens: ArrayLike<number>, head: number, prompt: TracePrompt, runLength: number, content: number): number[] {
    if (this.runLength !== runLength || this.headLength !== head) {
      // Entries are only valid for one run length and head: start over (never happens within a run).
      this.entries.clear();
      this.runLength = runLength;
      this.headLength = head;
    }
    const bs = this.blockSize;
    const L = runLength;
    const ids = prompt.ids;
    const fullRuns = Math.min(ids.length, Math.floor(content / L));
    if (fullRuns === 0) return blockHashes(tokens, bs);
    const out: number[] = [];
    let j = 0;
    for (; j < fullRuns; j++) {
      const e = this.entries.get(ids[j]);
      if (e === undefined || e.pos !== j || e.pred !== (j === 0 ? null : ids[j - 1])) break;
      const h = e.hashes;
      for (let k = 0; k < h.length; k++) out.push(h[k]);
    }
    const total = Math.floor(tokens.length / bs);
    // Blocks ending inside runs 0..k: floor((head + (k+1)·L) / bs) ≤ total, since the runs are in the prompt.
    const endOf = (k: number): number => Math.floor((head + (k + 1) * L) / bs);
    let runStart = out.length;
    const record = (): void => {
      while (j < fullRuns && endOf(j) <= out.length) {
        const end = endOf(j);
        this.entries.set(ids[j], { pred: j === 0 ? null : ids[j - 1], pos: j, hashes: Float64Array.from(out.slice(runStart, end)) });
        runStart = end;
        j++;
      }
    };
    record();
    let parent = out.length > 0 ? out[out.length - 1] : ROOT_HASH;
    for (let b = out.length; b < total; b++) {
      parent = hashBlock(parent, tokens, b * bs, bs);
      out.push(parent);
      record();
    }
    return out;
  }
}
