/**
 * Records kept as columns: one typed array of numbers per field, one byte per field saying what the
 * value was (a number, null, undefined, true, false, or something else held by reference: a string
 * or a tags object, which the records of a conversation share), and the field order of each record
 * (its shape), in chunks of 4,096 records. A record costs 9 bytes a numeric field (1 for a field
 * that is never a number, 9 for a shared reference) instead of an object with boxed numbers, and
 * `at(i)` gives back an object equal to the one added, fields in the same order: what a long virtual
 * run keeps for its summary (kept-records.ts) while its records go to disk.
 */

const NUMBER = 0;
const NULL = 1;
const UNDEFINED = 2;
const TRUE = 3;
const FALSE = 4;
const REF = 5;

/** Records per chunk: columns grow a chunk at a time (no copying, at most one chunk unused). */
const CHUNK = 4096;

class Column {
  private readonly kinds: Uint8Array[] = [];
  /** Numbers of each chunk (allocated at the chunk's first number: a field that is always null costs a byte). */
  private readonly nums: (Float64Array | null)[] = [];
  /** Values held by reference, per chunk (null until the chunk has one). */
  private readonly refs: (unknown[] | null)[] = [];

  set(i: number, v: unknown): void {
    const c = Math.floor(i / CHUNK);
    const j = i - c * CHUNK;
    while (this.kinds.length <= c) {
      this.kinds.push(new Uint8Array(CHUNK));
      this.nums.push(null);
      this.refs.push(null);
    }
    const kinds = this.kinds[c];
    if (typeof v === 'number') {
      kinds[j] = NUMBER;
      (this.nums[c] ??= new Float64Array(CHUNK))[j] = v;
    } else if (v === null) kinds[j] = NULL;
    else if (v === undefined) kinds[j] = UNDEFINED;
    else if (v === true) kinds[j] = TRUE;
    else if (v === false) kinds[j] = FALSE;
    else {
      kinds[j] = REF;
      (this.refs[c] ??= [])[j] = v;
    }
  }

  get(i: number): unknown {
    const c = Math.floor(i / CHUNK);
    const j = i - c * CHUNK;
    switch (this.kinds[c][j]) {
      case NUMBER:
        return this.nums[c]![j];
      case NULL:
        return null;
      case UNDEFINED:
        return undefined;
      case TRUE:
        return true;
      case FALSE:
        return false;
      default:
        return this.refs[c]![j];
    }
  }
}

export class RecordColumns<R extends object> {
  private readonly columns = new Map<string, Column>();
  /** Field lists seen, and the one of each record. */
  private readonly shapes: string[][] = [];
  private readonly shapeIds = new Map<string, number>();
  private shapeOf = new Uint16Array(0);
  private n = 0;

  get length(): number {
    return this.n;
  }

  add(record: R): void {
    const keys = Object.keys(record);
    const shapeKey = keys.join('\u0000');
    let shape = this.shapeIds.get(shapeKey);
    if (shape === undefined) {
      shape = this.shapes.length;
      if (shape > 0xffff) throw new RangeError('record columns: more than 65,536 record shapes');
      this.shapes.push(keys);
      this.shapeIds.set(shapeKey, shape);
    }
    const i = this.n++;
    if (i >= this.shapeOf.length) {
      const next = new Uint16Array(Math.max(1024, this.shapeOf.length * 2));
      next.set(this.shapeOf);
      this.shapeOf = next;
    }
    this.shapeOf[i] = shape;
    const values = record as Record<string, unknown>;
    for (const k of keys) {
      let col = this.columns.get(k);
      if (col === undefined) this.columns.set(k, (col = new Column()));
      col.set(i, values[k]);
    }
  }

  /** Record `i` (0-based), a new object equal to the one added. */
  at(i: number): R {
    if (!(i >= 0 && i < this.n)) throw new RangeError(`record columns: no record ${i} of ${this.n}`);
    const out: Record<string, unknown> = {};
    for (const k of this.shapes[this.shapeOf[i]]) out[k] = this.columns.get(k)!.get(i);
    return out as R;
  }

  /** Every record, in order (new objects). */
  toArray(): R[] {
    const out = new Array<R>(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.at(i);
    return out;
  }
}
