/**
 * The best-case cache hit ratio of a run: one worker with an unlimited cache. Every block any worker
 * has computed (announced by a BlockStored event) before a request arrives counts as cached for it,
 * so the request hits its leading prompt blocks found in that union, within its first n − 1 tokens
 * (the engine's own rule: the last prompt token is always computed). Token-weighted over the measured
 * successful requests, as the summary's cache hit ratio is; a request that actually hit more (blocks
 * computed between its arrival and its admission) counts what it hit: an upper bound no router can
 * pass on this run's arrival order. Approximation: the union keeps this run's timing (a block counts once it was
 * computed somewhere), not the timing one big worker would have.
 */
import { HashSet } from '../../core/hash-set.ts';
import type { KvEvent } from '../../mocker/engine/index.ts';

export class BestCaseCache {
  /** Every block hash announced so far (a typed set: a Set of 53-bit hashes boxed each one). */
  private readonly seen: HashSet;
  private hitTokens = 0;
  private inputTokens = 0;

  constructor(private readonly blockSize: number) {
    this.seen = new HashSet(1 << 16);
  }

  /** Blocks computed somewhere (a step's events). */
  stored(events: readonly KvEvent[]): void {
    const seen = this.seen;
    for (let e = 0; e < events.length; e++) {
      const ev = events[e];
      if (ev.type !== 'BlockStored') continue;
      const hs = ev.blockHashes;
      for (let i = 0; i < hs.length; i++) seen.add(hs[i]);
    }
  }

  /** Prompt tokens a request of `length` tokens with these block hashes would find cached now. */
  hitsOf(hashes: readonly number[], length: number): number {
    const cap = Math.min(hashes.length, Math.floor(Math.max(0, length - 1) / this.blockSize));
    let n = 0;
    while (n < cap && this.seen.has(hashes[n])) n++;
    return n * this.blockSize;
  }

  /** A measured request succeeded: count its prompt and its best-case hits (from `hitsOf` at arrival). */
  count(inputTokens: number, hitTokens: number): void {
    this.inputTokens += inputTokens;
    this.hitTokens += hitTokens;
  }

  ratio(): number | null {
    return this.inputTokens > 0 ? this.hitTokens / this.inputTokens : null;
  }
}
