/**
 * When the soak samples the heap, which sample is its baseline, and when it stops (pure: the caller
 * passes the samples it took). Samples fall every `sampleEveryS`, with one exactly at `warmupS`. The
 * baseline is the first sample at or after `warmupS` with at least `warmupRequests` requests answered;
 * the measured window, `durationS - warmupS`, starts there, so a slow machine runs longer rather than
 * measuring less. A warm-up that has not ended by MAX_WARMUP_FACTOR × `warmupS` ends the soak without a
 * baseline (the caller reports it).
 */
import type { HeapSample } from './heap.ts';

export const MAX_WARMUP_FACTOR = 5;

export interface ScheduleOptions {
  durationS: number;
  warmupS: number;
  warmupRequests: number;
  sampleEveryS: number;
}

export class SampleSchedule {
  baseline: HeapSample | null = null;
  /** When the load stops (seconds since it started): the warm-up's limit until the baseline is taken. */
  endS: number;
  private next: number;

  constructor(private readonly o: ScheduleOptions) {
    this.endS = MAX_WARMUP_FACTOR * o.warmupS;
    this.next = Math.min(o.sampleEveryS, o.warmupS);
  }

  /** When to take the next sample. */
  nextAtS(): number {
    return Math.min(this.next, this.endS);
  }

  /** Record a sample taken at `s.atS`; returns whether to take another. */
  record(s: HeapSample): boolean {
    const o = this.o;
    if (this.baseline === null && s.atS >= o.warmupS && s.requests >= o.warmupRequests) {
      this.baseline = s;
      this.endS = Math.max(o.durationS, s.atS + (o.durationS - o.warmupS));
    }
    this.next = this.next < o.warmupS ? Math.min(this.next + o.sampleEveryS, o.warmupS) : this.next + o.sampleEveryS;
    return s.atS < this.endS;
  }
}
