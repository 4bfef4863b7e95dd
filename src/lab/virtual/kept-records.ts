/**
 * What a streamed virtual run keeps of its records for run.json's summary (runVirtual's `onRecord`):
 * each record without its ITL gaps — one number per output token, most of a record, which go to disk
 * only — as columns of typed arrays (record-columns.ts: ~200 bytes a record instead of ~380 as an
 * object), and the gaps as value → count (core/gap-counts). `records` is a RecordSource
 * (core/record-source.ts) that makes each record as a pass reaches it, never all of them at once;
 * `summarize(records, d, { itlMs: itlDist() })` equals the summary of the full records, bit for bit.
 */
import { GapCounts } from '../../core/gap-counts.ts';
import type { Dist, RequestRecord } from '../../core/records.ts';
import type { RecordSource } from '../../core/record-source.ts';
import { RecordColumns } from './record-columns.ts';

export class KeptRecords<R extends RequestRecord = RequestRecord> {
  private readonly kept = new RecordColumns<R>();
  private readonly gaps = new GapCounts();

  add(record: R): void {
    // summary.ts gathers the gaps of successful requests only.
    if (record.ok && record.itlMs) this.gaps.add(record.itlMs);
    const { itlMs: _gaps, ...rest } = record;
    this.kept.add(rest as R);
  }

  /** How many records were added. */
  get count(): number {
    return this.kept.length;
  }

  /** The records so far, in order, without `itlMs`: each iteration makes them one at a time. */
  get records(): RecordSource<R> {
    return this.kept;
  }

  /** The ITL distribution of every record added. */
  itlDist(): Dist {
    return this.gaps.dist();
  }
}
