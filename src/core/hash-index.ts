/**
 * Block hash → small integer, for every hot table keyed by chained block hashes (the engine's prefix
 * cache, the router's KV index and in-flight tracker): an open-addressing (linear probing) table over
 * two typed arrays with backward-shift deletion, so lookups, inserts and removals allocate nothing.
 * A `Map` with 53-bit keys boxes every key as a heap number and hashes a double per lookup; that was the
 * hottest spot of a 60 M-token replay. Keys are any safe non-negative integers (core/block-hash values,
 * or a driver's own precomputed hashes); they are re-mixed before probing. Values are numbers ≥ 0
 * (block ids, counts, other 53-bit hashes, expiry times).
 *
 * Sizing: `maxEntries` sets the initial table (load ≤ 1/2). A `fixed` table refuses to grow past it
 * (the engine's pool, whose size is known); otherwise the table doubles when it would pass half full.
 */

const EMPTY = -1;
const TWO_32 = 4294967296;

export class HashIndex {
  /** Slot i's key at 2i and value at 2i + 1 (one cache line per probe, not two arrays). */
  private cells: Float64Array;
  private mask: number;
  private count = 0;
  private readonly fixed: boolean;

  /** A table for `maxEntries` keys; `fixed` makes it refuse more instead of growing. */
  constructor(maxEntries = 8, opts: { fixed?: boolean } = {}) {
    let size = 8;
    while (size < maxEntries * 2) size *= 2;
    this.cells = emptyCells(size);
    this.mask = size - 1;
    this.fixed = opts.fixed ?? false;
  }

  get size(): number {
    return this.count;
  }

  private home(key: number): number {
    return homeSlot(key, this.mask);
  }

  /** The value stored for `key`, or −1. */
  get(key: number): number {
    const { cells, mask } = this;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      const v = cells[2 * i + 1];
      if (v === EMPTY) return EMPTY;
      if (cells[2 * i] === key) return v;
    }
  }

  has(key: number): boolean {
    return this.get(key) !== EMPTY;
  }

  /** Insert or overwrite. `value` must be ≥ 0. */
  set(key: number, value: number): void {
    const i = this.slotFor(key);
    const cells = this.cells;
    if (cells[2 * i + 1] === EMPTY) this.count++;
    cells[2 * i] = key;
    cells[2 * i + 1] = value;
  }

  /** The value stored for `key`; when absent, store `value` and return −1 (one probe either way). */
  putIfAbsent(key: number, value: number): number {
    const i = this.slotFor(key);
    const cells = this.cells;
    const v = cells[2 * i + 1];
    if (v !== EMPTY) return v;
    this.count++;
    cells[2 * i] = key;
    cells[2 * i + 1] = value;
    return EMPTY;
  }

  /**
   * Add `delta` to the value of `key` (a missing key counts as 0) and return the result; a key whose
   * value reaches 0 or below is removed. One probe for the common case (counters, refcounts).
   */
  addTo(key: number, delta: number): number {
    const i = this.slotFor(key);
    const cells = this.cells;
    const v = cells[2 * i + 1];
    const next = (v === EMPTY ? 0 : v) + delta;
    if (next <= 0) {
      if (v !== EMPTY) this.removeAt(i);
      return 0;
    }
    if (v === EMPTY) this.count++;
    cells[2 * i] = key;
    cells[2 * i + 1] = next;
    return next;
  }

  /**
   * The table position holding `key`, or −1: for reading (`valueAt`) or removing (`deleteAt`) it
   * without probing again. Any insert or removal invalidates positions.
   */
  find(key: number): number {
    const { cells, mask } = this;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      if (cells[2 * i + 1] === EMPTY) return -1;
      if (cells[2 * i] === key) return i;
    }
  }

  /** The value at a position from `find`. */
  valueAt(pos: number): number {
    return this.cells[2 * pos + 1];
  }

  /** Remove the entry at a position from `find`. */
  deleteAt(pos: number): void {
    if (this.cells[2 * pos + 1] === EMPTY) throw new RangeError(`hash index: no entry at position ${pos}`);
    this.removeAt(pos);
  }

  /** Remove `key`; returns whether it was present. */
  delete(key: number): boolean {
    const pos = this.find(key);
    if (pos < 0) return false;
    this.removeAt(pos);
    return true;
  }

  clear(): void {
    this.cells.fill(EMPTY);
    this.count = 0;
  }

  /** Visit every entry (order unspecified). `fn` must not change the table. */
  forEach(fn: (value: number, key: number) => void): void {
    const cells = this.cells;
    for (let i = 1; i < cells.length; i += 2) if (cells[i] !== EMPTY) fn(cells[i], cells[i - 1]);
  }

  /** The slot holding `key`, or the empty slot where it would go (growing first when needed). */
  private slotFor(key: number): number {
    for (;;) {
      const { cells, mask } = this;
      for (let i = this.home(key); ; i = (i + 1) & mask) {
        if (cells[2 * i + 1] === EMPTY) {
          if (this.count * 2 < mask + 1) return i;
          break; // would pass half full: grow, then probe again
        }
        if (cells[2 * i] === key) return i;
      }
      if (this.fixed) throw new RangeError('hash index is full');
      this.grow();
    }
  }

  /** Empty slot i, pulling later entries of its probe run into the hole when their home allows it. */
  private removeAt(i: number): void {
    const { cells, mask } = this;
    for (let j = (i + 1) & mask; cells[2 * j + 1] !== EMPTY; j = (j + 1) & mask) {
      const h = this.home(cells[2 * j]);
      const movable = i <= j ? h <= i || h > j : h <= i && h > j;
      if (movable) {
        cells[2 * i] = cells[2 * j];
        cells[2 * i + 1] = cells[2 * j + 1];
        i = j;
      }
    }
    cells[2 * i + 1] = EMPTY;
    this.count--;
  }

  private grow(): void {
    const old = this.cells;
    const size = old.length; // twice the slots: old.length / 2 slots before
    this.cells = emptyCells(size);
    this.mask = size - 1;
    const { cells, mask } = this;
    for (let j = 1; j < old.length; j += 2) {
      const v = old[j];
      if (v === EMPTY) continue;
      const k = old[j - 1];
      let i = this.home(k);
      while (cells[2 * i + 1] !== EMPTY) i = (i + 1) & mask;
      cells[2 * i] = k;
      cells[2 * i + 1] = v;
    }
  }
}

/** A key's home slot in a table of mask + 1 slots (a power of two): its two 32-bit lanes re-mixed. */
export function homeSlot(key: number, mask: number): number {
  return mixKey(key) & mask;
}

/** A key's two 32-bit lanes mixed into one int32, whose low bits are its home slot (`homeSlot`). */
export function mixKey(key: number): number {
  let h = (key >>> 0) ^ Math.imul(Math.floor(key / TWO_32) | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** Cells for `slots` empty slots. */
function emptyCells(slots: number): Float64Array {
  return new Float64Array(2 * slots).fill(EMPTY);
}
