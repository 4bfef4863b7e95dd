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
  private keys: Float64Array;
  private vals: Float64Array;
  private mask: number;
  private count = 0;
  private readonly fixed: boolean;

  /** A table for `maxEntries` keys; `fixed` makes it refuse more instead of growing. */
  constructor(maxEntries = 8, opts: { fixed?: boolean } = {}) {
    let size = 8;
    while (size < maxEntries * 2) size *= 2;
    this.keys = new Float64Array(size);
    this.vals = new Float64Array(size).fill(EMPTY);
    this.mask = size - 1;
    this.fixed = opts.fixed ?? false;
  }

  get size(): number {
    return this.count;
  }

  private home(key: number): number {
    let h = (key >>> 0) ^ Math.imul(Math.floor(key / TWO_32) | 0, 0x9e3779b1);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h ^= h >>> 13;
    return h & this.mask;
  }

  /** The value stored for `key`, or −1. */
  get(key: number): number {
    const { keys, vals, mask } = this;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      const v = vals[i];
      if (v === EMPTY) return EMPTY;
      if (keys[i] === key) return v;
    }
  }

  has(key: number): boolean {
    return this.get(key) !== EMPTY;
  }

  /** Insert or overwrite. `value` must be ≥ 0. */
  set(key: number, value: number): void {
    const i = this.slotFor(key);
    if (this.vals[i] === EMPTY) this.count++;
    this.keys[i] = key;
    this.vals[i] = value;
  }

  /** The value stored for `key`; when absent, store `value` and return −1 (one probe either way). */
  putIfAbsent(key: number, value: number): number {
    const i = this.slotFor(key);
    const v = this.vals[i];
    if (v !== EMPTY) return v;
    this.count++;
    this.keys[i] = key;
    this.vals[i] = value;
    return EMPTY;
  }

  /**
   * Add `delta` to the value of `key` (a missing key counts as 0) and return the result; a key whose
   * value reaches 0 or below is removed. One probe for the common case (counters, refcounts).
   */
  addTo(key: number, delta: number): number {
    const i = this.slotFor(key);
    const v = this.vals[i];
    const next = (v === EMPTY ? 0 : v) + delta;
    if (next <= 0) {
      if (v !== EMPTY) this.removeAt(i);
      return 0;
    }
    if (v === EMPTY) this.count++;
    this.keys[i] = key;
    this.vals[i] = next;
    return next;
  }

  /**
   * The table position holding `key`, or −1: for reading (`valueAt`) or removing (`deleteAt`) it
   * without probing again. Any insert or removal invalidates positions.
   */
  find(key: number): number {
    const { keys, vals, mask } = this;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      if (vals[i] === EMPTY) return -1;
      if (keys[i] === key) return i;
    }
  }

  /** The value at a position from `find`. */
  valueAt(pos: number): number {
    return this.vals[pos];
  }

  /** Remove the entry at a position from `find`. */
  deleteAt(pos: number): void {
    if (this.vals[pos] === EMPTY) throw new RangeError(`hash index: no entry at position ${pos}`);
    this.removeAt(pos);
  }

  /** Remove `key`; returns whether it was present. */
  delete(key: number): boolean {
    const { keys, vals, mask } = this;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      if (vals[i] === EMPTY) return false;
      if (keys[i] === key) {
        this.removeAt(i);
        return true;
      }
    }
  }

  clear(): void {
    this.vals.fill(EMPTY);
    this.count = 0;
  }

  /** Visit every entry (order unspecified). `fn` must not change the table. */
  forEach(fn: (value: number, key: number) => void): void {
    const { keys, vals } = this;
    for (let i = 0; i < vals.length; i++) if (vals[i] !== EMPTY) fn(vals[i], keys[i]);
  }

  /** The slot holding `key`, or the empty slot where it would go (growing first when needed). */
  private slotFor(key: number): number {
    for (;;) {
      const { keys, vals, mask } = this;
      for (let i = this.home(key); ; i = (i + 1) & mask) {
        if (vals[i] === EMPTY) {
          if (this.count * 2 < vals.length) return i;
          break; // would pass half full: grow, then probe again
        }
        if (keys[i] === key) return i;
      }
      if (this.fixed) throw new RangeError('hash index is full');
      this.grow();
    }
  }

  /** Empty slot i, pulling later entries of its probe run into the hole when their home allows it. */
  private removeAt(i: number): void {
    const { keys, vals, mask } = this;
    for (let j = (i + 1) & mask; vals[j] !== EMPTY; j = (j + 1) & mask) {
      const h = this.home(keys[j]);
      const movable = i <= j ? h <= i || h > j : h <= i && h > j;
      if (movable) {
        keys[i] = keys[j];
        vals[i] = vals[j];
        i = j;
      }
    }
    vals[i] = EMPTY;
    this.count--;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const size = oldVals.length * 2;
    this.keys = new Float64Array(size);
    this.vals = new Float64Array(size).fill(EMPTY);
    this.mask = size - 1;
    const { keys, vals, mask } = this;
    for (let j = 0; j < oldVals.length; j++) {
      const v = oldVals[j];
      if (v === EMPTY) continue;
      const k = oldKeys[j];
      let i = this.home(k);
      while (vals[i] !== EMPTY) i = (i + 1) & mask;
      keys[i] = k;
      vals[i] = v;
    }
  }
}
