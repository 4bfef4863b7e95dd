import { describe, expect, it } from 'vitest';
import { MAX_WARMUP_FACTOR, SampleSchedule } from '../../soak/schedule.ts';

/** Drive a schedule with samples taken exactly when asked; `requestsAt` says how many requests were answered by then. */
function drive(opts: { durationS: number; warmupS: number; warmupRequests: number; sampleEveryS: number }, requestsAt: (atS: number) => number) {
  const schedule = new SampleSchedule(opts);
  const times: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const atS = schedule.nextAtS();
    times.push(atS);
    if (!schedule.record({ atS, heapBytes: 1, requests: requestsAt(atS) })) break;
  }
  return { times, baselineAtS: schedule.baseline?.atS ?? null };
}

describe('the soak sample schedule', () => {
  it('samples every sampleEveryS, takes the baseline at the warm-up, and ends at durationS when the warm-up is on time', () => {
    const r = drive({ durationS: 30, warmupS: 10, warmupRequests: 100, sampleEveryS: 4 }, (t) => 100 * t);
    expect(r.times).toEqual([4, 8, 10, 14, 18, 22, 26, 30]);
    expect(r.baselineAtS).toBe(10);
  });

  it('waits for warmupRequests and keeps the whole measured window after a late baseline', () => {
    const r = drive({ durationS: 30, warmupS: 10, warmupRequests: 3000, sampleEveryS: 5 }, (t) => 100 * t); // 3000 requests at 30 s
    expect(r.baselineAtS).toBe(30);
    expect(r.times.at(-1)).toBe(50); // 20 s measured after the baseline
    expect(r.times).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
  });

  it(`gives up without a baseline when the warm-up has not ended by ${MAX_WARMUP_FACTOR}x warmupS`, () => {
    const r = drive({ durationS: 30, warmupS: 10, warmupRequests: 3000, sampleEveryS: 5 }, () => 10);
    expect(r.baselineAtS).toBeNull();
    expect(r.times.at(-1)).toBe(MAX_WARMUP_FACTOR * 10);
  });
});
