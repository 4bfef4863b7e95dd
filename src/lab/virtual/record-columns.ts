/**
 * Records kept as columns: one typed array of numbers per field, one byte per field saying what the
 * value was (a number, null, undefined, true, false, or something else held by reference: a string
 * or a tags object, which the records of a conversation share), and the field order of each record
 * (its shape), in chunks of 4,096 records. A record costs 9 bytes a numeric field (1 for a field
 * that is never a number, 9 for a shared reference) instead of an object with boxed numbers, and
 * `at(i)` gives back an object equal to the one added, fields in the same order: what a long virtual
 * run keeps for its summary (kept-records.ts) while its records go to disk. It is a RecordSource
 * (core/record-source.ts): iterating makes each record as it is reached and keeps none, so the
 * statistics of a million records never hold the million objects (there is no whole-array accessor).
 */
import type { RecordSource } from '../../core/record-source.ts';

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

export class RecordColumns<R extends object> implements RecordSource<R> {
  private readonly columns = new Map<string, Column>();
  /** Field lists seen (and their columns, in the same order), and the one of each record. */
  private readonly shapes: string[][] = [];
  private readonly shapeColumns: Column[][] = [];
  /** Per shape, an object with its fields in order (all undefined), copied to make a record. */
  private readonly templates: Record<string, unknown>[] = [];
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
      this.shapeColumns.push(keys.map((k) => this.column(k)));
      this.templates.push(Object.fromEntries(keys.map((k) => [k, undefined])));
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
    const cols = this.shapeColumns[shape];
    for (let f = 0; f < keys.length; f++) cols[f].set(i, values[keys[f]]);
  }

  private column(key: string): Column {
    let col = this.columns.get(key);
    if (col === undefined) this.columns.set(key, (col = new Column()));
    return col;
  }

  /** Record `i` (0-based), a new object equal to the one added. */
  at(i: number): R {
    if (!(i >= 0 && i < this.n)) throw new RangeError(`record columns: no record ${i} of ${this.n}`);
    return this.make(i);
  }

  /** Every record, in order, each a new object made when it is reached (none is kept here). */
  *[Symbol.iterator](): Iterator<R> {
    for (let i = 0; i < this.n; i++) yield this.make(i);
  }

  private make(i: number): R {
    const shape = this.shapeOf[i];
    const keys = this.shapes[shape];
    const cols = this.shapeColumns[shape];
    // A copy of the shape's template has every field already (one hidden class a shape): filling it
    // is ~2.5× faster than adding the fields one by one, and a pass makes every record.
    const out: Record<string, unknown> = { ...this.templates[shape] };
    for (let f = 0; f < keys.length; f++) out[keys[f]] = cols[f].get(i);
    return out as R;
  }
}
