/**
 * What a streamed virtual run keeps of its records for run.json's summary (runVirtual's `onRecord`):
 * each record without its ITL gaps — one number per output token, most of a record, which go to disk
 * only — and the gaps as value → count (core/gap-counts). `summarize(records, d, { itlMs: itlDist() })`
 * equals the summary of the full records, bit for bit.
 */
import { GapCounts } from '../../core/gap-counts.ts';
import type { Dist, RequestRecord } from '../../core/records.ts';

export class KeptRecords<R extends RequestRecord = RequestRecord> {
  /** The records so far, in order, without `itlMs`. */
  readonly records: R[] = [];
  private readonly gaps = new GapCounts();

  add(record: R): void {
    // summary.ts gathers the gaps of successful requests only.
    if (record.ok && record.itlMs) this.gaps.add(record.itlMs);
    const { itlMs: _gaps, ...rest } = record;
    this.records.push(rest as R);
  }

  /** The ITL distribution of every record added. */
  itlDist(): Dist {
    return this.gaps.dist();
  }
}
