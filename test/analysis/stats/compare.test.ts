import { describe, expect, it } from 'vitest';
import { compare, ratio } from '../../../src/analysis/stats/compare.ts';
import { summarizeRun } from '../../../src/analysis/stats/run-stats.ts';
import { rec } from '../fixtures.ts';

const a = summarizeRun(
  [
    rec({ turn: 1, ttftMs: 200, e2eMs: 1000, tpotMs: 10, outputTokens: 100, itlMs: [10, 10] }),
    rec({ turn: 2, ttftMs: 100, e2eMs: 800, tpotMs: 10, outputTokens: 100, itlMs: [10, 10] }),
  ],
  2,
);
const b = summarizeRun(
  [
    rec({ turn: 1, ttftMs: 100, e2eMs: 900, tpotMs: 12, outputTokens: 100, itlMs: [12, 12] }),
    rec({ turn: 2, ttftMs: 25, e2eMs: 600, tpotMs: 12, outputTokens: 100, itlMs: [12, 12] }),
    rec({ turn: 3, ttftMs: 30, e2eMs: 600, tpotMs: 12, outputTokens: 100 }),
  ],
  2,
);

describe('compare', () => {
  const cmp = compare(a, b);
  const find = (metric: string, stat: string) => cmp.metrics.find((m) => m.metric === metric && m.stat === stat)!;

  it('gives b/a for each latency statistic', () => {
    // a TTFT [100, 200]: mean 150; b TTFT [25, 30, 100]: mean 155/3, p50 30
    expect(find('ttft_ms', 'mean').ratio).toBeCloseTo(155 / 3 / 150, 10);
    expect(find('ttft_ms', 'p50').ratio).toBeCloseTo(30 / 150, 10);
    expect(find('tpot_ms', 'p99').ratio).toBeCloseTo(1.2, 10);
    expect(find('itl_ms', 'mean').ratio).toBeCloseTo(1.2, 10);
    expect(cmp.metrics.filter((m) => m.lowerIsBetter)).toHaveLength(16);
  });

  it('gives b/a for throughputs, marked higher-is-better', () => {
    const rps = find('requests_per_s', 'value');
    expect(rps.ratio).toBeCloseTo(1.5, 10);
    expect(rps.lowerIsBetter).toBe(false);
    expect(find('output_tokens_per_s', 'value').ratio).toBeCloseTo(1.5, 10);
  });

  it('gives per-turn TTFT ratios, null where a side has no such turn', () => {
    expect(cmp.perTurn.map((t) => t.turn)).toEqual([1, 2, 3]);
    expect(cmp.perTurn[0].meanRatio).toBeCloseTo(0.5, 10);
    expect(cmp.perTurn[1].p50Ratio).toBeCloseTo(0.25, 10);
    expect(cmp.perTurn[2].aMeanMs).toBeNull();
    expect(cmp.perTurn[2].meanRatio).toBeNull();
  });

  it('gives the difference b − a and the better side: lower latency, higher throughput', () => {
    expect(find('ttft_ms', 'mean').difference).toBeCloseTo(155 / 3 - 150, 10);
    expect(find('ttft_ms', 'mean').better).toBe('b');
    expect(find('tpot_ms', 'p50').better).toBe('a');
    expect(find('requests_per_s', 'value').better).toBe('b');
    expect(compare(a, a).metrics.every((m) => m.better === 'same' || m.better === null)).toBe(true);
    expect(cmp.perTurn[0].meanDifferenceMs).toBeCloseTo(-100, 10);
    expect(cmp.perTurn[2].meanDifferenceMs).toBeNull();
  });

  it('has no ratio when the baseline is zero or missing', () => {
    expect(ratio(0, 5)).toBeNull();
    expect(ratio(null, 5)).toBeNull();
    expect(ratio(4, 2)).toBe(0.5);
  });
});
