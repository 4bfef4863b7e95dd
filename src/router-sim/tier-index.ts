/**
 * The router's view of the workers' KV offload tiers: which worker holds which block in its CPU or
 * disk tier, fed by KV events whose `medium` is "CPU" or "DISK" (vLLM's names; an event without a
 * medium, or "GPU", is about GPU blocks and goes to the main indexer). It answers, per worker, the
 * CREDITED prefix overlap the `kv` cost uses: the prompt's leading blocks found in any tier of that
 * worker, each counted 1 on GPU, `cpu` in the CPU tier and `disk` in the disk tier, so a prefix the
 * worker must load back is cheaper than one it must recompute but dearer than one on GPU.
 *
 * Credits default to Dynamo's KV router: `--router-host-cache-hit-weight` 0.75 for the host-pinned
 * (CPU) tier and `--router-disk-cache-hit-weight` 0.25 for disk (Dynamo docs, router "Configuration
 * and Tuning"); GPU overlap keeps its full credit (Dynamo's `--router-kv-overlap-score-credit`
 * default 1.0).
 *
 * Approximation: lower-tier blocks are indexed under the event's own hashes (exact for kvlab workers,
 * whose hashes are the router's); a worker hashing differently gets no lower-tier credit. Pure.
 */
import { KvIndexer } from './indexer.ts';

export interface TierCredits {
  cpu: number;
  disk: number;
}

export const DEFAULT_TIER_CREDITS: Readonly<TierCredits> = Object.freeze({ cpu: 0.75, disk: 0.25 });

/** Credits from optional settings named as in experiment files and CLI flags (defaults where absent). */
export function tierCreditsOf(o: { kvCpuHitCredit?: number; kvDiskHitCredit?: number }): TierCredits {
  return { cpu: o.kvCpuHitCredit ?? DEFAULT_TIER_CREDITS.cpu, disk: o.kvDiskHitCredit ?? DEFAULT_TIER_CREDITS.disk };
}

/** A lower-tier KV event as the applier passes it on (numbers only: see the module comment). */
export interface TierEvent {
  type: 'BlockStored' | 'BlockRemoved';
  medium: 'CPU' | 'DISK';
  blockHashes: readonly number[];
}

/** The lower medium an event names, or null for GPU (no medium, "GPU") and anything unknown. */
export function lowerMediumOf(medium: unknown): 'CPU' | 'DISK' | null {
  return medium === 'CPU' || medium === 'DISK' ? medium : null;
}

export class TierIndex {
  readonly cpu: KvIndexer;
  readonly disk: KvIndexer;

  constructor(readonly numWorkers: number) {
    this.cpu = new KvIndexer(numWorkers, 16);
    this.disk = new KvIndexer(numWorkers, 16);
  }

  /** Blocks held in any lower tier by any worker (0: the router routes exactly as without tiers). */
  get size(): number {
    return this.cpu.size + this.disk.size;
  }

  apply(worker: number, ev: TierEvent): void {
    const idx = ev.medium === 'CPU' ? this.cpu : this.disk;
    if (ev.type === 'BlockStored') idx.store(worker, ev.blockHashes);
    else idx.remove(worker, ev.blockHashes);
  }

  clearWorker(worker: number): void {
    this.cpu.clearWorker(worker);
    this.disk.clearWorker(worker);
  }

  /**
   * Per worker, the credited overlap of `hashes`: walk the leading blocks while the worker holds each
   * in some tier, adding 1 (GPU, per `gpu`), `credits.cpu` or `credits.disk`. A worker with nothing in
   * its lower tiers keeps its GPU overlap (`gpuOverlaps`).
   */
  creditedOverlaps(gpu: KvIndexer, hashes: readonly number[], gpuOverlaps: Uint32Array, credits: TierCredits): Float64Array {
    const out = new Float64Array(this.numWorkers);
    for (let w = 0; w < this.numWorkers; w++) {
      if (this.cpu.blocksOf(w) + this.disk.blocksOf(w) === 0) {
        out[w] = gpuOverlaps[w];
        continue;
      }
      let credit = 0;
      for (let i = 0; i < hashes.length; i++) {
        const h = hashes[i];
        if (gpu.holds(w, h)) credit += 1;
        else if (this.cpu.holds(w, h)) credit += credits.cpu;
        else if (this.disk.holds(w, h)) credit += credits.disk;
        else break;
      }
      out[w] = credit;
    }
    return out;
  }
}
