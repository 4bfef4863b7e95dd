import { describe, expect, it } from 'vitest';
import { autoJobs } from '../../src/lab/auto-jobs.ts';

describe('the default number of parallel virtual cells', () => {
  it('is every core on an idle machine', () => {
    expect(autoJobs(2, 0)).toBe(2);
    expect(autoJobs(2, 0.9)).toBe(2);
    expect(autoJobs(8, 0.2)).toBe(8);
  });

  it('gives up a core per whole unit of load, down to one job', () => {
    expect(autoJobs(2, 1.0)).toBe(1);
    expect(autoJobs(2, 5.7)).toBe(1);
    expect(autoJobs(8, 3.4)).toBe(5);
    expect(autoJobs(1, 0)).toBe(1);
  });

  it('treats an unknown load (NaN, negative) as idle', () => {
    expect(autoJobs(4, Number.NaN)).toBe(4);
    expect(autoJobs(4, -1)).toBe(4);
  });
});
