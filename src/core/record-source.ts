/**
 * What the statistics of a run read its records from: anything with a length that can be iterated in
 * order, any number of times — an array (the real client, the report), or the columns a long virtual
 * run keeps (lab/virtual/record-columns.ts), which make each record when it is reached and keep none.
 * The statistics (core/summary, goodput, the client's run.json) therefore read each record once per
 * pass and keep numbers, never the records: a million-record summary holds one record at a time.
 * `where` is a filtered view of a source (a tag's group), itself a source. Pure.
 */

export interface RecordSource<R> extends Iterable<R> {
  /** How many records an iteration gives. */
  readonly length: number;
}

/** The records of `source` that `keep` accepts, in order, as a source (counted on first `length`). */
export function where<R>(source: RecordSource<R>, keep: (r: R) => boolean): RecordSource<R> {
  let n: number | null = null;
  return {
    get length(): number {
      if (n === null) {
        n = 0;
        for (const r of source) if (keep(r)) n++;
      }
      return n;
    },
    *[Symbol.iterator](): Iterator<R> {
      for (const r of source) if (keep(r)) yield r;
    },
  };
}
