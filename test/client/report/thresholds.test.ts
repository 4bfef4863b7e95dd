import { describe, expect, it } from 'vitest';
import { evaluateThresholds, parseThreshold } from '../../../src/client/report/thresholds.ts';
import { summarize } from '../../../src/core/summary.ts';
import type { RequestRecord } from '../../../src/core/records.ts';

function rec(ttft: number, ok = true, over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    conversationId: 'c',
    turn: 1,
    sentAtMs: 0,
    ttftMs: ttft,
    ttfatMs: ttft,
    e2eMs: ttft + 100,
    tpotMs: 10,
    itlMs: [5, 15],
    inputTokens: 10,
    outputTokens: 11,
    cachedTokens: 0,
    worker: null,
    ok,
    error: ok ? null : 'HTTP 500',
    status: ok ? 200 : 500,
    ...over,
  };
}

// TTFTs 10, 20, ..., 100 and one failure.
const records = [...Array.from({ length: 10 }, (_, i) => rec((i + 1) * 10)), rec(1, false)];
const summary = summarize(records, 2);

function check(expr: string): { observed: number | null; ok: boolean } {
  const [r] = evaluateThresholds([parseThreshold(expr)], records, summary);
  return { observed: r.observed, ok: r.ok };
}

describe('threshold grammar', () => {
  it('parses metric:stat op value with every operator', () => {
    expect(parseThreshold('ttft_ms:p95<500')).toMatchObject({ metric: 'ttft_ms', stat: { kind: 'percentile', p: 95 }, op: '<', limit: 500 });
    expect(parseThreshold('e2e_ms:p(99.9) <= 2e3')).toMatchObject({ stat: { kind: 'percentile', p: 99.9 }, op: '<=', limit: 2000 });
    expect(parseThreshold('tpot_ms:avg>=1').op).toBe('>=');
    expect(parseThreshold('itl_ms:max>0').op).toBe('>');
    expect(parseThreshold('ttft_ms:count==10').op).toBe('==');
    expect(parseThreshold('ttft_ms:med<1').stat).toEqual({ kind: 'percentile', p: 50 });
    expect(parseThreshold('error_rate<0.01')).toMatchObject({ metric: 'error_rate', stat: { kind: 'value' } });
    expect(parseThreshold('requests_per_s:rate>5')).toMatchObject({ stat: { kind: 'value' } });
  });

  it.each([
    ['ttft_ms<500', /needs a statistic/],
    ['latency:p95<5', /unknown metric 'latency'/],
    ['ttft_ms:p95~5', /does not parse/],
    ['ttft_ms:p101<5', /within 0\.\.100/],
    ['ttft_ms:foo<5', /unknown statistic/],
    ['requests_per_s:p95<5', /run-level/],
    ['ttft_ms:p95<', /does not parse/],
  ])('rejects %s with a clear message', (expr, msg) => {
    expect(() => parseThreshold(expr)).toThrow(msg);
  });
});

describe('threshold evaluation', () => {
  it('evaluates latency statistics over successful requests with core percentiles', () => {
    expect(check('ttft_ms:p50<56')).toEqual({ observed: 55, ok: true });
    expect(check('ttft_ms:p50<55')).toEqual({ observed: 55, ok: false });
    expect(check('ttft_ms:p50<=55').ok).toBe(true);
    expect(check('ttft_ms:avg==55').ok).toBe(true);
    expect(check('ttft_ms:min>=10').ok).toBe(true);
    expect(check('ttft_ms:max<100').ok).toBe(false);
    expect(check('ttft_ms:count==10').ok).toBe(true);
    expect(check('ttft_ms:rate==5').ok).toBe(true);
    expect(check('itl_ms:max==15').ok).toBe(true);
  });

  it('evaluates run-level metrics', () => {
    expect(check('error_rate<0.1').observed).toBeCloseTo(1 / 11);
    expect(check('error_rate<0.1').ok).toBe(true);
    expect(check('error_rate:count==1').ok).toBe(true);
    expect(check('requests_per_s>=5').observed).toBe(5);
    expect(check('output_tokens_per_s>50').observed).toBe(55);
  });

  it('takes the serving overhead of the requests that carried engine timing, and fails without any', () => {
    const withTiming = [rec(40, true, { servingOverheadMs: 2 }), rec(50, true, { servingOverheadMs: 8 }), rec(60)];
    const [r] = evaluateThresholds([parseThreshold('serving_overhead_ms:max<5')], withTiming, summarize(withTiming, 1));
    expect(r).toMatchObject({ observed: 8, ok: false });
    expect(check('serving_overhead_ms:p99<5')).toEqual({ observed: null, ok: false });
  });

  it('fails a threshold that has no data', () => {
    const [r] = evaluateThresholds([parseThreshold('ttft_ms:p95<1000')], [], summarize([], 0));
    expect(r).toMatchObject({ observed: null, ok: false });
  });
});
