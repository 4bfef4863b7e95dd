/**
 * What a llama-worker tells a KV-aware router it holds (pure). The router measures overlap in blocks of
 * its own tokens (kvlab's tokenizer and chat template, core/prompt), not in llama.cpp's, so each slot's
 * cache is described in the router's terms: the full blocks of the router's tokenization of the prompt
 * the slot last served. When a slot takes a new prompt, the blocks past the shared prefix leave and the
 * new ones arrive; a block is stored when the first slot holds it and removed when the last lets it go,
 * as vLLM's KV events describe a shared prefix cache (its BlockStored/BlockRemoved, with token ids).
 *
 * Approximations: the answer's blocks are not announced (llama.cpp keeps them, but the router's view of
 * an answer is the text the client sends back); a slot counts as holding its prompt from its first token.
 */
import { blockHashes } from '../core/block-hash.ts';
import type { KvEvent } from '../mocker/engine/types.ts';

export class RouterBlockView {
  private readonly slots: { hashes: number[]; tokens: number[] }[];
  private readonly holders = new Map<number, number>();

  constructor(
    slots: number,
    readonly blockSize: number,
  ) {
    this.slots = Array.from({ length: slots }, () => ({ hashes: [], tokens: [] }));
  }

  /** Slot `slot` now holds the prompt `tokens` (router tokens): the events that say so. */
  hold(slot: number, tokens: readonly number[]): KvEvent[] {
    const hashes = blockHashes(tokens, this.blockSize);
    const old = this.slots[slot].hashes;
    let common = 0;
    while (common < old.length && common < hashes.length && old[common] === hashes[common]) common++;
    const removed: number[] = [];
    for (const h of old.slice(common)) {
      const n = (this.holders.get(h) ?? 0) - 1;
      if (n <= 0) {
        this.holders.delete(h);
        removed.push(h);
      } else this.holders.set(h, n);
    }
    const events: KvEvent[] = [];
    if (removed.length > 0) events.push({ type: 'BlockRemoved', blockHashes: removed });
    // New blocks, in runs of consecutive blocks no other slot holds yet (each run chained on its parent).
    let run: number[] = [];
    let runStart = common;
    const flush = (end: number): void => {
      if (run.length === 0) return;
      events.push({
        type: 'BlockStored',
        blockHashes: run,
        parentHash: runStart === 0 ? null : hashes[runStart - 1],
        tokenIds: tokens.slice(runStart * this.blockSize, end * this.blockSize) as number[],
        blockSize: this.blockSize,
      });
      run = [];
    };
    for (let b = common; b < hashes.length; b++) {
      const n = this.holders.get(hashes[b]) ?? 0;
      this.holders.set(hashes[b], n + 1);
      if (n === 0) {
        if (run.length === 0) runStart = b;
        run.push(hashes[b]);
      } else flush(b);
    }
    flush(hashes.length);
    this.slots[slot] = { hashes, tokens: tokens.slice() as number[] };
    return events;
  }

  /** Every slot emptied (the prefix cache was reset). */
  clear(): KvEvent[] {
    for (const s of this.slots) s.hashes = [];
    this.holders.clear();
    return [{ type: 'AllBlocksCleared' }];
  }
}
