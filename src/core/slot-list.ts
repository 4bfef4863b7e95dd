/**
 * A recency list over integer slots (least recent at `head`, most recent at `tail`): a doubly linked
 * list kept in two Int32Array link arrays, so appending, unlinking and taking the head are O(1) and
 * allocate nothing. Shared by the engine's KV pool (cached blocks nobody references, evicted from the
 * head) and the trace's lorem-run cache. An unlinked slot has both links at −1. `grow` raises the
 * number of slots, keeping the list.
 */
export class SlotList {
  /** Least recently appended slot, or −1. */
  head = -1;
  /** Most recently appended slot, or −1. */
  tail = -1;
  size = 0;
  private prev: Int32Array;
  private next: Int32Array;

  constructor(slots: number) {
    this.prev = new Int32Array(slots).fill(-1);
    this.next = new Int32Array(slots).fill(-1);
  }

  /** The slot after `slot` toward the tail, or −1. */
  nextOf(slot: number): number {
    return this.next[slot];
  }

  /** The slot before `slot` toward the head, or −1. */
  prevOf(slot: number): number {
    return this.prev[slot];
  }

  /** Link an unlinked `slot` at the tail (most recent). */
  append(slot: number): void {
    this.prev[slot] = this.tail;
    this.next[slot] = -1;
    if (this.tail >= 0) this.next[this.tail] = slot;
    else this.head = slot;
    this.tail = slot;
    this.size++;
  }

  /** Take a linked `slot` out of the list. */
  unlink(slot: number): void {
    const p = this.prev[slot];
    const n = this.next[slot];
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
    this.prev[slot] = -1;
    this.next[slot] = -1;
    this.size--;
  }

  /** Unlink every slot (walks the list once). */
  clear(): void {
    for (let s = this.head; s >= 0; ) {
      const n = this.next[s];
      this.prev[s] = -1;
      this.next[s] = -1;
      s = n;
    }
    this.head = this.tail = -1;
    this.size = 0;
  }

  /** Room for `slots` slots (never fewer than now). */
  grow(slots: number): void {
    if (slots <= this.prev.length) return;
    const prev = new Int32Array(slots).fill(-1);
    prev.set(this.prev);
    const next = new Int32Array(slots).fill(-1);
    next.set(this.next);
    this.prev = prev;
    this.next = next;
  }
}
