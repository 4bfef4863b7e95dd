/**
 * A growable ring-buffer deque: O(1) push/pop at both ends without shifting arrays. The scheduler's
 * waiting queue uses it (new requests at the back, preempted ones back at the front). Removing an
 * arbitrary element (abort) is O(n): aborts are rare, steps are not.
 */
export class Deque<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private size = 0;

  constructor(initialCapacity = 16) {
    this.buf = new Array<T | undefined>(Math.max(4, initialCapacity));
  }

  get length(): number {
    return this.size;
  }

  /** Element `i` from the front (0 = front); undefined when out of range. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.size) return undefined;
    return this.buf[(this.head + i) % this.buf.length];
  }

  peekFront(): T | undefined {
    return this.size === 0 ? undefined : this.buf[this.head];
  }

  pushBack(item: T): void {
    if (this.size === this.buf.length) this.grow();
    this.buf[(this.head + this.size) % this.buf.length] = item;
    this.size++;
  }

  pushFront(item: T): void {
    if (this.size === this.buf.length) this.grow();
    this.head = (this.head - 1 + this.buf.length) % this.buf.length;
    this.buf[this.head] = item;
    this.size++;
  }

  popFront(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.size--;
    return item;
  }

  /** Remove the first occurrence of `item`; returns whether it was present. */
  remove(item: T): boolean {
    const cap = this.buf.length;
    for (let i = 0; i < this.size; i++) {
      if (this.buf[(this.head + i) % cap] !== item) continue;
      for (let j = i; j < this.size - 1; j++) this.buf[(this.head + j) % cap] = this.buf[(this.head + j + 1) % cap];
      this.buf[(this.head + this.size - 1) % cap] = undefined;
      this.size--;
      return true;
    }
    return false;
  }

  private grow(): void {
    const old = this.buf;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) % old.length];
    this.buf = next;
    this.head = 0;
  }
}
