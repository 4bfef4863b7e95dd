/**
 * Block hash → block id, for the KV pool's prefix cache: an open-addressing (linear probing) table over
 * two typed arrays, sized once for the pool's capacity (load ≤ 1/2), with backward-shift deletion, so
 * lookups, inserts and evictions allocate nothing. A `Map` with 53-bit keys boxes every key and was the
 * hottest spot of a 60M-token replay. Keys are any safe non-negative integers (core/block-hash values,
 * or a driver's own precomputed hashes); they are re-mixed before probing.
 */

const EMPTY = -1;
const TWO_32 = 4294967296;

export class HashIndex {
  private readonly keys: Float64Array;
  private readonly vals: Int32Array;
  private readonly mask: number;
  private count = 0;

  /** A table able to hold `maxEntries` keys. */
  constructor(maxEntries: number) {
    let size = 8;
    while (size < maxEntries * 2) size *= 2;
    this.keys = new Float64Array(size);
    this.vals = new Int32Array(size).fill(EMPTY);
    this.mask = size - 1;
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
    const { keys, vals, mask } = this;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      if (vals[i] === EMPTY) {
        if (this.count * 2 >= vals.length) throw new RangeError('hash index is full');
        keys[i] = key;
        vals[i] = value;
        this.count++;
        return;
      }
      if (keys[i] === key) {
        vals[i] = value;
        return;
      }
    }
  }

  /** Remove `key`; returns whether it was present. */
  delete(key: number): boolean {
    const { keys, vals, mask } = this;
    let i = this.home(key);
    for (; ; i = (i + 1) & mask) {
      if (vals[i] === EMPTY) return false;
      if (keys[i] === key) break;
    }
    // Backward-shift: pull later entries of the probe run into the hole when their home allows it.
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
    return true;
  }

  clear(): void {
    this.vals.fill(EMPTY);
    this.count = 0;
  }

  /** Visit every entry (order unspecified). */
  forEach(fn: (value: number, key: number) => void): void {
    const { keys, vals } = this;
    for (let i = 0; i < vals.length; i++) if (vals[i] !== EMPTY) fn(vals[i], keys[i]);
  }
}
