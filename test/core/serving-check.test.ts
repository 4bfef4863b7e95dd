import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/core/records.ts';
import { servingCheck, servingCheckLabel } from '../../src/core/serving-check.ts';
import { summarize } from '../../src/core/summary.ts';

const rec = (over: Partial<RequestRecord>): RequestRecord => ({
  conversationId: 'c', turn: 1, sentAtMs: 0, ttftMs: 100, e2eMs: 200, tpotMs: 1, inputTokens: 100, outputTokens: 10,
  cachedTokens: 0, worker: null, ok: true, error: null, status: 200, ...over,
});

/** n requests of `ttftMs`, each with `overheadMs` of it added by the serving path. */
const run = (n: number, ttftMs: number, overheadMs: number | null, over: Partial<RequestRecord> = {}) =>
  Array.from({ length: n }, () => rec({ ttftMs, servingOverheadMs: overheadMs, ...over }));

describe('serving overhead in the summary', () => {
  it('is the distribution of client − engine TTFT over the requests that carried engine timing, with its share of their TTFT', () => {
    const s = summarize([...run(3, 100, 10), rec({ ttftMs: 300, servingOverheadMs: null }), rec({ ok: false, ttftMs: 50, servingOverheadMs: 40 })], 1);
    expect(s.servingOverheadMs).toMatchObject({ count: 3, mean: 10, p50: 10, p99: 10 });
    // The request without timing and the failed one stay out of the share: 30 ms of 300 ms.
    expect(s.servingOverheadShare).toBeCloseTo(0.1);
    expect(s.ttftMs.count).toBe(4);
  });

  it('is empty with a null share when no answer carried engine timing, and send lateness counts every sent request', () => {
    const s = summarize([rec({ lateMs: 2 }), rec({ ok: false, lateMs: 4, ttftMs: null }), rec({})], 1);
    expect(s.servingOverheadMs.count).toBe(0);
    expect(s.servingOverheadShare).toBeNull();
    expect(s.sendLateMs).toMatchObject({ count: 2, mean: 3 });
  });
});

describe('serving check', () => {
  it('passes a run whose engine time dominates and says the figure', () => {
    const c = servingCheck(summarize(run(20, 100, 2), 1), 'real');
    expect(c).toMatchObject({ status: 'ok', reasons: [], overheadMs: 2 });
    expect(c.overheadShare).toBeCloseTo(0.02);
    expect(c.message).toBe('serving overhead 2.0 ms (2.0 % of TTFT)');
    expect(servingCheckLabel(c)).toBe('ok');
  });

  it('flags a run where the machine adds more than 10 % of TTFT and says what to do', () => {
    // Engine TTFT 46 ms, client TTFT 84 ms: 38 ms (45 %) added.
    const c = servingCheck(summarize(run(10, 84, 38), 1), 'real');
    expect(c.status).toBe('cpu-bound');
    expect(c.reasons).toEqual(['overhead']);
    expect(c.message).toBe('this machine adds 38 ms (45 %) to TTFT: results are CPU-bound; lower --speedup-ratio or use --clock virtual');
    expect(servingCheckLabel(c)).toBe('⚠ CPU-bound');
  });

  it('does not flag exactly 10 %, flags just above it', () => {
    expect(servingCheck(summarize(run(4, 100, 10), 1), 'real').status).toBe('ok');
    expect(servingCheck(summarize(run(4, 100, 10.5), 1), 'real').status).toBe('cpu-bound');
  });

  it('says the overhead is unavailable, never guesses it, when the target sent no engine timing', () => {
    const c = servingCheck(summarize(run(10, 84, null), 1), 'real');
    expect(c).toMatchObject({ status: 'unavailable', overheadMs: null, overheadShare: null, reasons: [] });
    expect(c.message).toMatch(/^serving overhead unavailable: no answer carried the engine’s nvext.timing/);
  });

  it('is n/a on the virtual clock, whatever the records say', () => {
    const c = servingCheck(summarize(run(10, 84, 38, { lateMs: 50 }), 1), 'virtual');
    expect(c).toMatchObject({ status: 'virtual', reasons: [], overheadMs: null });
    expect(c.message).toBe('serving overhead: n/a (virtual clock)');
    expect(servingCheckLabel(c)).toBe('n/a (virtual clock)');
  });

  it('flags an open loop whose sends ran late by more than 10 % of TTFT, even without engine timing', () => {
    const late = Array.from({ length: 10 }, (_, i) => rec({ ttftMs: 100, servingOverheadMs: null, lateMs: i < 5 ? 1 : 20 }));
    const c = servingCheck(summarize(late, 1), 'real');
    expect(c.status).toBe('cpu-bound');
    expect(c.reasons).toEqual(['send-lateness']);
    expect(c.sendLateP90Ms).toBe(20);
    expect(c.message).toBe(
      'sends ran late (p90 20 ms, 20 % of mean TTFT): results are CPU-bound; lower --speedup-ratio or use --clock virtual (serving overhead unavailable: no answer carried the engine’s nvext.timing)',
    );
  });

  it('names both causes when both limits are exceeded', () => {
    const c = servingCheck(summarize(run(10, 100, 30, { lateMs: 15 }), 1), 'real');
    expect(c.reasons).toEqual(['overhead', 'send-lateness']);
    expect(c.message).toBe('this machine adds 30 ms (30 %) to TTFT and sends ran late (p90 15 ms, 15 % of mean TTFT): results are CPU-bound; lower --speedup-ratio or use --clock virtual');
  });

  it('never flags lateness within the pacer’s 1 ms timer granularity, however small the TTFT', () => {
    const c = servingCheck(summarize(run(10, 2, 0.1, { lateMs: 0.9 }), 1), 'real');
    expect(c.status).toBe('ok');
    expect(c.sendLateShare).toBeCloseTo(0.45);
  });

  it('reads a summary written before the overhead existed as unavailable', () => {
    const old = summarize(run(3, 100, 5), 1) as Partial<ReturnType<typeof summarize>>;
    delete old.servingOverheadMs;
    delete old.servingOverheadShare;
    delete old.sendLateMs;
    expect(servingCheck(old as ReturnType<typeof summarize>, 'real').status).toBe('unavailable');
  });
});
