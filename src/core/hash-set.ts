/**
 * A set of block hashes (safe non-negative integers) that only grows: one Float64Array of keys with
 * linear probing, 0 marking an empty slot (a fresh typed array is all zeros, so nothing is filled in:
 * the pages are touched only as keys land in them), and key 0 itself kept aside in a flag. Half the
 * memory of a HashIndex used as a set and no fill pass per doubling — for the virtual cluster's
 * best-case union, which reaches hundreds of thousands of hashes in a trace replay. Probing re-mixes
 * keys as HashIndex does (`homeSlot`). No removal.
 */
import { homeSlot } from './hash-index.ts';

export class HashSet {
  private keys: Float64Array;
  private mask: number;
  private count = 0;
  private hasZero = false;

  /** A set sized for `maxEntries` keys (load ≤ 1/2); it doubles past that. */
  constructor(maxEntries = 8) {
    let size = 8;
    while (size < maxEntries * 2) size *= 2;
    this.keys = new Float64Array(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count + (this.hasZero ? 1 : 0);
  }

  has(key: number): boolean {
    if (key === 0) return this.hasZero;
    const { keys, mask } = this;
    for (let i = homeSlot(key, mask); ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === 0) return false;
      if (k === key) return true;
    }
  }

  /** Add `key`; returns whether it was new. */
  add(key: number): boolean {
    if (key === 0) {
      const fresh = !this.hasZero;
      this.hasZero = true;
      return fresh;
    }
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const { keys, mask } = this;
    for (let i = homeSlot(key, mask); ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) return false;
      if (k === 0) {
        keys[i] = key;
        this.count++;
        return true;
      }
    }
  }

  private grow(): void {
    const old = this.keys;
    this.keys = new Float64Array(old.length * 2);
    this.mask = this.keys.length - 1;
    const { keys, mask } = this;
    for (let j = 0; j < old.length; j++) {
      const k = old[j];
      if (k === 0) continue;
      let i = homeSlot(k, mask);
      while (keys[i] !== 0) i = (i + 1) & mask;
      keys[i] = k;
    }
  }
}
