/**
 * The KV indexer: which workers cache which block (by chained block hash), and for a request, how many
 * LEADING blocks of its prompt each worker holds (its prefix overlap). Owns the router's global view of
 * the workers' prefix caches; it is fed by KV events (kv mode) or by the router's own decisions
 * (kv-approx).
 *
 * Layout: one open-addressing table (linear probing, backward-shift deletion) whose slot holds the
 * block's hash and, right beside it, the bitset of the workers holding it (ceil(workers / 32) words):
 * 16 bytes a slot up to 64 workers, so a lookup, a store or a removal touches one cache line and
 * nothing is allocated per block. A hash is kept as hash + 1 (0 marks an empty slot, so a new table is
 * all zeros); a block no worker holds leaves the table. Walks over a list of hashes (overlap, store,
 * remove) load the next 16 slots ahead so their cache misses overlap. An overlap query walks the
 * prompt once, dropping workers as they stop matching and stopping as soon as none is left. Probing
 * re-mixes keys as core/hash-index does (`homeSlot`).
 * Approximation: a flat hash map instead of Dynamo's radix tree; because hashes are chained (block i's
 * hash covers blocks 0..i), a hash match implies a prefix match, so the two answer the same question.
 * Pure: no clocks, no I/O.
 */
import { homeSlot } from '../core/hash-index.ts';

/** Blocks whose slots a walk over a list of hashes loads ahead of reading them (`touch`). */
const TOUCH = 16;

export class KvIndexer {
  readonly numWorkers: number;
  /** 32-bit words of a slot's worker bitset. */
  private readonly words: number;
  /** A slot's size in float64s: the key, then the bitset's words (two per float64). */
  private readonly stride: number;
  /** Slot i's key + 1 at keys[i * stride] (0: empty) ... */
  private keys: Float64Array;
  /** ... and its bitset at bits[2 * i * stride + 2 + k], both views of one buffer. */
  private bits: Uint32Array;
  private mask: number;
  private count = 0;
  /** Where `touch` leaves its sum (so its loads are not optimised away). */
  private touchSink = 0;
  private readonly perWorker: Uint32Array;

  constructor(numWorkers: number, initialCapacity = 1024) {
    if (!Number.isInteger(numWorkers) || numWorkers <= 0) throw new RangeError(`numWorkers must be a positive integer, got ${numWorkers}`);
    this.numWorkers = numWorkers;
    this.words = Math.ceil(numWorkers / 32);
    this.stride = 1 + Math.ceil(this.words / 2);
    const wanted = Number.isFinite(initialCapacity) ? Math.max(8, Math.ceil(initialCapacity)) : 1024;
    let slots = 16;
    while (slots < wanted * 2) slots *= 2;
    [this.keys, this.bits] = this.table(slots);
    this.mask = slots - 1;
    this.perWorker = new Uint32Array(numWorkers);
  }

  /** Distinct block hashes held by at least one worker. */
  get size(): number {
    return this.count;
  }

  /** Blocks the worker holds (Dynamo's "tree size" of that worker). */
  blocksOf(worker: number): number {
    this.check(worker);
    return this.perWorker[worker];
  }

  holds(worker: number, hash: number): boolean {
    this.check(worker);
    const i = this.find(hash);
    if (i < 0) return false;
    return (this.bits[2 * i * this.stride + 2 + (worker >>> 5)] & (1 << (worker & 31))) !== 0;
  }

  /** Record that `worker` caches these blocks. Returns how many were new for that worker. */
  store(worker: number, hashes: Iterable<number>): number {
    this.check(worker);
    const word = 2 + (worker >>> 5);
    const bit = 1 << (worker & 31);
    const stride = this.stride;
    let added = 0;
    const list = Array.isArray(hashes) ? (hashes as readonly number[]) : Array.from(hashes);
    let touched = 0;
    for (let n = 0; n < list.length; n++) {
      if (n === touched && n + 1 < list.length) touched = this.touch(list, n);
      const h = list[n];
      const key = h + 1;
      let { keys, mask } = this;
      let i = homeSlot(h, mask);
      for (;;) {
        const k = keys[i * stride];
        if (k === key) break;
        if (k === 0) {
          if (this.count * 2 >= mask + 1) {
            this.grow();
            ({ keys, mask } = this);
            i = homeSlot(h, mask);
            continue;
          }
          keys[i * stride] = key;
          this.count++;
          break;
        }
        i = (i + 1) & mask;
      }
      const bits = this.bits;
      const at = 2 * i * stride + word;
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
    const word = 2 + (worker >>> 5);
    const bit = 1 << (worker & 31);
    const stride = this.stride;
    let removed = 0;
    const list = Array.isArray(hashes) ? (hashes as readonly number[]) : Array.from(hashes);
    let touched = 0;
    for (let n = 0; n < list.length; n++) {
      if (n === touched && n + 1 < list.length) touched = this.touch(list, n);
      const i = this.find(list[n]);
      if (i < 0) continue;
      const bits = this.bits;
      const at = 2 * i * stride + word;
      if ((bits[at] & bit) === 0) continue;
      bits[at] &= ~bit;
      removed++;
      if (this.slotEmpty(i)) this.removeAt(i);
    }
    this.perWorker[worker] -= removed;
    return removed;
  }

  /** Forget everything `worker` holds (AllBlocksCleared, resync, worker gone). Returns the count removed. */
  clearWorker(worker: number): number {
    this.check(worker);
    const removed = this.perWorker[worker];
    if (removed === 0) return 0;
    const word = 2 + (worker >>> 5);
    const bit = 1 << (worker & 31);
    const { keys, bits, stride } = this;
    const emptied: number[] = [];
    for (let i = 0; i <= this.mask; i++) {
      if (keys[i * stride] === 0) continue;
      const at = 2 * i * stride + word;
      if ((bits[at] & bit) === 0) continue;
      bits[at] &= ~bit;
      if (this.slotEmpty(i)) emptied.push(keys[i * stride] - 1);
    }
    // Deleted after the walk: a removal moves entries of the table.
    for (const hash of emptied) this.removeAt(this.find(hash));
    this.perWorker[worker] = 0;
    return removed;
  }

  /**
   * Per worker, the number of contiguous leading blocks of `hashes` it holds. Walks the prompt while
   * any worker still matches and stops early. Written into `into` when given (every worker's entry is
   * set: a caller routing many requests reuses one array instead of allocating one per query).
   */
  overlaps(hashes: readonly number[], into?: Uint32Array): Uint32Array {
    if (into !== undefined && into.length < this.numWorkers) throw new RangeError(`overlaps: an array of ${into.length} for ${this.numWorkers} workers`);
    const out = into ?? new Uint32Array(this.numWorkers);
    const { words, keys, bits, mask, stride } = this;
    const alive = new Uint32Array(words);
    for (let k = 0; k < words; k++) {
      const inWord = Math.min(32, this.numWorkers - k * 32);
      alive[k] = inWord === 32 ? 0xffffffff : (1 << inWord) - 1;
    }
    let n = 0;
    let touched = 0;
    walk: for (; n < hashes.length; n++) {
      if (n === touched) touched = this.touch(hashes, n);
      const h = hashes[n];
      const key = h + 1;
      let i = homeSlot(h, mask);
      for (;;) {
        const k = keys[i * stride];
        if (k === key) break;
        if (k === 0) break walk;
        i = (i + 1) & mask;
      }
      let any = 0;
      const base = 2 * i * stride + 2;
      for (let k = 0; k < words; k++) {
        const still = (alive[k] & bits[base + k]) >>> 0;
        let dropped = (alive[k] & ~still) >>> 0;
        while (dropped !== 0) {
          const b = 31 - Math.clz32(dropped & -dropped);
          out[k * 32 + b] = n;
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
        out[k * 32 + b] = n;
        rest = (rest & (rest - 1)) >>> 0;
      }
    }
    return out;
  }

  /**
   * Read the home slots of the next TOUCH hashes from `from` and return where that run ends: the loads
   * do not depend on each other, so the CPU has their cache misses in flight together, and the walk
   * that follows finds the lines in cache (a table of a million blocks is far larger than the cache).
   */
  private touch(hashes: readonly number[], from: number): number {
    const { keys, mask, stride } = this;
    const end = Math.min(hashes.length, from + TOUCH);
    let sum = 0;
    for (let n = from; n < end; n++) sum += keys[homeSlot(hashes[n], mask) * stride];
    this.touchSink = sum;
    return end;
  }

  /** The slot holding `hash`, or −1. */
  private find(hash: number): number {
    const { keys, mask, stride } = this;
    const key = hash + 1;
    for (let i = homeSlot(hash, mask); ; i = (i + 1) & mask) {
      const k = keys[i * stride];
      if (k === key) return i;
      if (k === 0) return -1;
    }
  }

  private slotEmpty(i: number): boolean {
    const base = 2 * i * this.stride + 2;
    for (let k = 0; k < this.words; k++) if (this.bits[base + k] !== 0) return false;
    return true;
  }

  /** Empty slot i, pulling later entries of its probe run into the hole when their home allows it. */
  private removeAt(i: number): void {
    const { keys, bits, mask, stride, words } = this;
    for (let j = (i + 1) & mask; keys[j * stride] !== 0; j = (j + 1) & mask) {
      const h = homeSlot(keys[j * stride] - 1, mask);
      const movable = i <= j ? h <= i || h > j : h <= i && h > j;
      if (!movable) continue;
      keys[i * stride] = keys[j * stride];
      const to = 2 * i * stride + 2;
      const from = 2 * j * stride + 2;
      for (let k = 0; k < words; k++) bits[to + k] = bits[from + k];
      i = j;
    }
    keys[i * stride] = 0;
    const base = 2 * i * stride + 2;
    for (let k = 0; k < words; k++) bits[base + k] = 0;
    this.count--;
  }

  /** Twice the slots, every entry re-inserted. */
  private grow(): void {
    const { keys: oldKeys, bits: oldBits, stride, words } = this;
    const slots = 2 * (this.mask + 1);
    const [keys, bits] = this.table(slots);
    const mask = slots - 1;
    for (let j = 0; j < oldKeys.length; j += stride) {
      const key = oldKeys[j];
      if (key === 0) continue;
      let i = homeSlot(key - 1, mask);
      while (keys[i * stride] !== 0) i = (i + 1) & mask;
      keys[i * stride] = key;
      for (let k = 0; k < words; k++) bits[2 * i * stride + 2 + k] = oldBits[2 * j + 2 + k];
    }
    this.keys = keys;
    this.bits = bits;
    this.mask = mask;
  }

  /**
   * An empty table of `slots` slots: its two views. The fresh buffer is written through once in order
   * (zeros: it stays empty) so its pages are faulted in sequentially, not one at a time under the
   * re-insertion's random writes: a 1M-block fill of one-block events ran ~15 % slower without it.
   */
  private table(slots: number): [Float64Array, Uint32Array] {
    const buffer = new ArrayBuffer(slots * this.stride * 8);
    const keys = new Float64Array(buffer);
    keys.fill(0);
    return [keys, new Uint32Array(buffer)];
  }

  private check(worker: number): void {
    if (!Number.isInteger(worker) || worker < 0 || worker >= this.numWorkers) {
      throw new RangeError(`worker index ${worker} out of range [0, ${this.numWorkers})`);
    }
  }
}
