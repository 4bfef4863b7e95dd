/**
 * The KV indexer: which workers cache which block (by chained block hash), and for a request, how many
 * LEADING blocks of its prompt each worker holds (its prefix overlap). Owns the router's global view of
 * the workers' prefix caches; it is fed by KV events (kv mode) or by the router's own decisions
 * (kv-approx).
 *
 * Layout: a typed open-addressing table (core/hash-index) from block hash to a slot in one flat
 * Uint32Array bitset (ceil(workers / 32) words per slot), so a million blocks across 64 workers cost two
 * words each, nothing is allocated per block, and an overlap query walks the prompt once, dropping
 * workers as they stop matching and stopping as soon as none is left.
 * Approximation: a flat hash map instead of Dynamo's radix tree; because hashes are chained (block i's
 * hash covers blocks 0..i), a hash match implies a prefix match, so the two answer the same question.
 * Pure: no clocks, no I/O.
 */
import { HashIndex } from '../core/hash-index.ts';

export class KvIndexer {
  readonly numWorkers: number;
  private readonly words: number;
  private readonly slotOf: HashIndex;
  private bits: Uint32Array;
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;
  private readonly perWorker: Uint32Array;

  constructor(numWorkers: number, initialCapacity = 1024) {
    if (!Number.isInteger(numWorkers) || numWorkers <= 0) throw new RangeError(`numWorkers must be a positive integer, got ${numWorkers}`);
    this.numWorkers = numWorkers;
    this.words = Math.ceil(numWorkers / 32);
    const slots = Number.isFinite(initialCapacity) ? Math.max(16, Math.ceil(initialCapacity)) : 1024;
    this.bits = new Uint32Array(slots * this.words);
    this.slotOf = new HashIndex(slots);
    this.perWorker = new Uint32Array(numWorkers);
  }

  /** Distinct block hashes held by at least one worker. */
  get size(): number {
    return this.slotOf.size;
  }

  /** Blocks the worker holds (Dynamo's "tree size" of that worker). */
  blocksOf(worker: number): number {
    this.check(worker);
    return this.perWorker[worker];
  }

  holds(worker: number, hash: number): boolean {
    this.check(worker);
    const slot = this.slotOf.get(hash);
    if (slot < 0) return false;
    return (this.bits[slot * this.words + (worker >>> 5)] & (1 << (worker & 31))) !== 0;
  }

  /** Record that `worker` caches these blocks. Returns how many were new for that worker. */
  store(worker: number, hashes: Iterable<number>): number {
    this.check(worker);
    const word = worker >>> 5;
    const bit = 1 << (worker & 31);
    let added = 0;
    const slotOf = this.slotOf;
    const words = this.words;
    const list = Array.isArray(hashes) ? (hashes as readonly number[]) : Array.from(hashes);
    for (let i = 0; i < list.length; i++) {
      const h = list[i];
      let slot = slotOf.putIfAbsent(h, this.peekSlot());
      if (slot < 0) slot = this.allocSlot();
      const at = slot * words + word;
      const bits = this.bits;
      if ((bits[at] & bit) === 0) {
        bits[at] |= bit;
        added++;
      }
    }
    this.perWorker[worker] += added;
    return added;
  }

  /** Record that `worker` no longer caches these blocks. Returns how many it actually held. */
  remove(worker: number, hashes: Iterable<number>): number {
    this.check(worker);
    const word = worker >>> 5;
    const bit = 1 << (worker & 31);
    let removed = 0;
    const list = Array.isArray(hashes) ? (hashes as readonly number[]) : Array.from(hashes);
    for (let i = 0; i < list.length; i++) {
      const h = list[i];
      const pos = this.slotOf.find(h);
      if (pos < 0) continue;
      const slot = this.slotOf.valueAt(pos);
      const at = slot * this.words + word;
      if ((this.bits[at] & bit) === 0) continue;
      this.bits[at] &= ~bit;
      removed++;
      if (this.slotEmpty(slot)) {
        this.slotOf.deleteAt(pos);
        this.freeSlots.push(slot);
      }
    }
    this.perWorker[worker] -= removed;
    return removed;
  }

  /** Forget everything `worker` holds (AllBlocksCleared, resync, worker gone). Returns the count removed. */
  clearWorker(worker: number): number {
    this.check(worker);
    const removed = this.perWorker[worker];
    if (removed === 0) return 0;
    const word = worker >>> 5;
    const bit = 1 << (worker & 31);
    const emptied: number[] = [];
    this.slotOf.forEach((slot, hash) => {
      const at = slot * this.words + word;
      if ((this.bits[at] & bit) === 0) return;
      this.bits[at] &= ~bit;
      if (this.slotEmpty(slot)) emptied.push(hash);
    });
    // Deleted after the walk: a removal moves entries of the table.
    for (const hash of emptied) {
      this.freeSlots.push(this.slotOf.get(hash));
      this.slotOf.delete(hash);
    }
    this.perWorker[worker] = 0;
    return removed;
  }

  /**
   * Per worker, the number of contiguous leading blocks of `hashes` it holds. Walks the prompt while
   * any worker still matches and stops early.
   */
  overlaps(hashes: readonly number[]): Uint32Array {
    const out = new Uint32Array(this.numWorkers);
    const words = this.words;
    const alive = new Uint32Array(words);
    for (let k = 0; k < words; k++) {
      const inWord = Math.min(32, this.numWorkers - k * 32);
      alive[k] = inWord === 32 ? 0xffffffff : (1 << inWord) - 1;
    }
    let i = 0;
    for (; i < hashes.length; i++) {
      const slot = this.slotOf.get(hashes[i]);
      if (slot < 0) break;
      let any = 0;
      const base = slot * words;
      for (let k = 0; k < words; k++) {
        const still = (alive[k] & this.bits[base + k]) >>> 0;
        let dropped = (alive[k] & ~still) >>> 0;
        while (dropped !== 0) {
          const b = 31 - Math.clz32(dropped & -dropped);
          out[k * 32 + b] = i;
          dropped = (dropped & (dropped - 1)) >>> 0;
        }
        alive[k] = still;
        any |= still;
      }
      if (any === 0) return out;
    }
    for (let k = 0; k < words; k++) {
      let rest = alive[k];
      while (rest !== 0) {
        const b = 31 - Math.clz32(rest & -rest);
        out[k * 32 + b] = i;
        rest = (rest & (rest - 1)) >>> 0;
      }
    }
    return out;
  }

  private slotEmpty(slot: number): boolean {
    const base = slot * this.words;
    for (let k = 0; k < this.words; k++) if (this.bits[base + k] !== 0) return false;
    return true;
  }

  /** The slot `allocSlot` will hand out next. */
  private peekSlot(): number {
    const n = this.freeSlots.length;
    return n > 0 ? this.freeSlots[n - 1] : this.nextSlot;
  }

  private allocSlot(): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.nextSlot++;
      if ((slot + 1) * this.words > this.bits.length) {
        const bits = new Uint32Array(this.bits.length * 2);
        bits.set(this.bits);
        this.bits = bits;
      }
    }
    return slot;
  }

  private check(worker: number): void {
    if (!Number.isInteger(worker) || worker < 0 || worker >= this.numWorkers) {
      throw new RangeError(`worker index ${worker} out of range [0, ${this.numWorkers})`);
    }
  }
}
