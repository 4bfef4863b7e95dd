/**
 * The KV pool's prefix-cache table: chained block hash → the block caching it. The pool keeps every
 * block's hash itself (`keyOf`, −1 when none), so a slot holds only the key's 32-bit mix (core/hash-index
 * `mixKey`, whose low bits are the home slot) and block + 1 (0: empty), and a match is confirmed by
 * `keyOf[block] === key`: a slot whose block no longer caches that key matches nothing.
 *
 * That makes eviction free of table work: `drop` only marks the block's entry stale (`slotOf`), and
 * stale entries stay in place (linear probing needs no deletion) until half the slots are taken, when
 * `rebuild` lifts the live entries out (in slot order, into a scratch list shared by every table),
 * clears the table and puts them back in that order — nearly sequential writes, since entries in slot
 * order have increasing home slots. An eviction used to delete its hash
 * (a probe at a random spot in a table bigger than the cache: 15 % of a round-robin trace replay's
 * samples); now a rebuild every ≥ capacity stores costs a few nanoseconds per store.
 *
 * Sized at 4 slots per block (8 bytes a slot: the same bytes as a 2-slot HashIndex), so a rebuild
 * comes after at least `capacity` inserts. Iteration (`forEach`) visits live entries in slot order.
 */
import { mixKey } from '../../core/hash-index.ts';

/** Live entries lifted out during a rebuild (one list for every table: a rebuild never nests). */
let scratch = new Int32Array(0);

export class BlockTable {
  /** Slot i: the key's mix at 2i, block + 1 at 2i + 1 (0: empty). */
  private readonly cells: Int32Array;
  private readonly mask: number;
  /** The slot of each block's live entry, or −1. */
  private readonly slotOf: Int32Array;
  /** Occupied slots, stale ones included. */
  private used = 0;
  private live = 0;

  /** A table for blocks 0..capacity−1 whose current hashes `keyOf` holds. */
  constructor(
    capacity: number,
    private readonly keyOf: Float64Array,
  ) {
    let size = 8;
    while (size < capacity * 4) size *= 2;
    this.cells = new Int32Array(2 * size);
    this.mask = size - 1;
    this.slotOf = new Int32Array(capacity).fill(-1);
  }

  /** Live entries. */
  get size(): number {
    return this.live;
  }

  /** The block caching `key` (`keyOf[block] === key`), or −1. */
  get(key: number): number {
    const { cells, mask, keyOf } = this;
    const mix = mixKey(key);
    for (let i = mix & mask; ; i = (i + 1) & mask) {
      const v = cells[2 * i + 1];
      if (v === 0) return -1;
      if (cells[2 * i] === mix && keyOf[v - 1] === key) return v - 1;
    }
  }

  /**
   * The block caching `key`; when none, an entry for `block` (which has none live) is added and −1
   * returned. The caller sets `keyOf[block] = key` right after.
   */
  putIfAbsent(key: number, block: number): number {
    const { cells, mask, keyOf } = this;
    const mix = mixKey(key);
    let i = mix & mask;
    for (; ; i = (i + 1) & mask) {
      const v = cells[2 * i + 1];
      if (v === 0) break;
      if (cells[2 * i] === mix && keyOf[v - 1] === key) return v - 1;
    }
    if (this.slotOf[block] >= 0) throw new Error(`block table: block ${block} already has an entry`);
    cells[2 * i] = mix;
    cells[2 * i + 1] = block + 1;
    this.slotOf[block] = i;
    this.live++;
    if (++this.used * 2 >= this.mask + 1) this.rebuild();
    return -1;
  }

  /** `block` stops caching its hash (the caller clears `keyOf[block]`): its entry goes stale. */
  drop(block: number): void {
    if (this.slotOf[block] < 0) throw new Error(`block table: block ${block} has no entry to drop`);
    this.slotOf[block] = -1;
    this.live--;
  }

  clear(): void {
    this.cells.fill(0);
    this.slotOf.fill(-1);
    this.used = 0;
    this.live = 0;
  }

  /** Visit every live (block, hash), in slot order. `fn` must not change the table. */
  forEach(fn: (block: number, key: number) => void): void {
    const { cells, slotOf, keyOf } = this;
    for (let i = 0; 2 * i < cells.length; i++) {
      const b = cells[2 * i + 1] - 1;
      if (b >= 0 && slotOf[b] === i) fn(b, keyOf[b]);
    }
  }

  /** Drop the stale entries: lift the live ones out in slot order, clear, put them back in that order. */
  private rebuild(): void {
    const { cells, mask, slotOf } = this;
    if (scratch.length < 2 * this.live) scratch = new Int32Array(2 * this.live);
    const kept = scratch;
    let n = 0;
    for (let j = 0; 2 * j < cells.length; j++) {
      const v = cells[2 * j + 1];
      if (v === 0 || slotOf[v - 1] !== j) continue;
      kept[n++] = cells[2 * j];
      kept[n++] = v;
    }
    cells.fill(0);
    for (let k = 0; k < n; k += 2) {
      const v = kept[k + 1];
      let i = kept[k] & mask;
      while (cells[2 * i + 1] !== 0) i = (i + 1) & mask;
      cells[2 * i] = kept[k];
      cells[2 * i + 1] = v;
      slotOf[v - 1] = i;
    }
    this.used = this.live;
  }
}
