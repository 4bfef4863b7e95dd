import { describe, expect, it } from 'vitest';
import { buildRunFile, byTag } from '../../../src/client/report/run-file.ts';
import { renderSummary } from '../../../src/client/report/render-summary.ts';
import { parseThreshold } from '../../../src/client/report/thresholds.ts';
import type { BenchRecord } from '../../../src/client/runner/types.ts';

function rec(over: Partial<BenchRecord>): BenchRecord {
  return {
    conversationId: 'c',
    turn: 1,
    sentAtMs: 0,
    ttftMs: 100,
    ttfatMs: 100,
    e2eMs: 200,
    tpotMs: 10,
    itlMs: [10],
    inputTokens: 100,
    outputTokens: 11,
    cachedTokens: 0,
    worker: 'w',
    ok: true,
    error: null,
    status: 200,
    retries: 0,
    attempts: 1,
    lateMs: null,
    ...over,
  };
}

const records: BenchRecord[] = [
  rec({ conversationId: 'a', turn: 1, ttftMs: 400, tags: { docType: 'CODE' } }),
  rec({ conversationId: 'a', turn: 2, ttftMs: 100, cachedTokens: 80, tags: { docType: 'CODE' } }),
  rec({ conversationId: 'b', turn: 1, ttftMs: 300, tags: { docType: 'TEXT' } }),
  rec({ conversationId: 'b', turn: 2, ttftMs: 300, tags: { docType: 'TEXT' }, retries: 2 }),
  rec({ conversationId: 'c', turn: 1, ok: false, ttftMs: null, e2eMs: 5, status: 500, error: 'HTTP 500: boom', tags: { docType: 'TEXT' } }),
];

const meta = { command: 'bench documents', label: 'x', config: { a: 1 }, target: 'http://h', startedAt: '2025-01-01T00:00:00.000Z', durationS: 2 };

describe('run file', () => {
  it('holds the results contract plus the client extras', () => {
    const run = buildRunFile(records, { ...meta, thresholds: [parseThreshold('ttft_ms:p50<1000'), parseThreshold('error_rate<0.1')], slos: { ttft_ms: 350 } });
    expect(run).toMatchObject({ schemaVersion: 1, tool: 'kvlab', command: 'bench documents', label: 'x', durationS: 2, retries: 2, interrupted: false, sendLateMs: null });
    expect(run.summary.requests).toBe(5);
    expect(run.perTurn.map((t) => t.turn)).toEqual([1, 2]);
    // (400 + 300) / 2 over (100 + 300) / 2
    expect(run.firstVsLaterSpeedup).toBeCloseTo(350 / 200);
    expect(run.thresholds.map((t) => t.ok)).toEqual([true, false]);
    expect(run.goodput).toMatchObject({ met: 3, requests: 5, share: 0.6, ratePerS: 1.5 });
  });

  it('groups records by document type', () => {
    const groups = byTag(records, 'docType');
    expect(groups.map((g) => [g.value, g.requests, g.failed])).toEqual([
      ['CODE', 2, 0],
      ['TEXT', 3, 1],
    ]);
    expect(groups[0].firstVsLaterSpeedup).toBe(4);
    expect(groups[0].cacheHitRatio).toBe(0.4);
  });

  it('summarises open-loop send lateness when records carry it', () => {
    const run = buildRunFile([rec({ lateMs: 1 }), rec({ lateMs: 3 })], meta);
    expect(run.sendLateMs).toMatchObject({ count: 2, mean: 2, max: 3 });
  });
});

describe('terminal summary', () => {
  const run = buildRunFile(records, { ...meta, thresholds: [parseThreshold('ttft_ms:p50<1000'), parseThreshold('error_rate<0.1')] });

  it('puts the failed requests first (against the accepted share, each kind with its message), then thresholds with ✓/✗ and the observed value', () => {
    const text = renderSummary(run, { color: false });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Failed requests');
    expect(lines[1]).toBe('  ✗ 1 of 5 requests failed (20.0 %; limit 5.0 %, --max-failed-share)');
    expect(lines[2]).toMatch(/^ {4}http_500 {2}×1 {2}HTTP 500: boom$/);
    expect(lines[3]).toBe('');
    expect(lines[4]).toBe('Thresholds');
    expect(lines[5]).toMatch(/✓ ttft_ms:p50<1000 {2}observed 300\.000/);
    expect(lines[6]).toMatch(/✗ error_rate<0\.1 {2}observed 0\.200/);
  });

  it('a failure share within the limit is marked ✓, and a run without failures has no failure block', () => {
    const within = buildRunFile(records, { ...meta, maxFailedShare: 0.25 });
    expect(within.failures).toMatchObject({ requests: 5, failed: 1, share: 0.2, maxShare: 0.25, ok: true });
    expect(renderSummary(within, { color: false })).toContain('  ✓ 1 of 5 requests failed (20.0 %; limit 25.0 %');
    const clean = buildRunFile(records.filter((r) => r.ok), meta);
    expect(clean.failures).toMatchObject({ failed: 0, share: 0, ok: true, byError: [] });
    expect(renderSummary(clean, { color: false })).not.toContain('Failed requests');
  });

  it('shows the warnings found before sending', () => {
    const warned = buildRunFile(records, { ...meta, warnings: ['3 of 5 requests need more than the max'] });
    expect(warned.warnings).toEqual(['3 of 5 requests need more than the max']);
    expect(renderSummary(warned, { color: false })).toContain('⚠ 3 of 5 requests need more than the max');
  });

  it('shows totals, latency percentiles, TTFT by turn, the speedup, document types and errors', () => {
    const text = renderSummary(run, { color: false });
    for (const s of ['requests', 'req/s', 'cache hit', 'TTFT', 'E2E', 'TPOT', 'ITL', 'TTFT by turn', 'First-vs-later TTFT speedup: 1.75×', 'By document type', 'CODE', 'TEXT', 'http_500', 'retries: 2']) {
      expect(text).toContain(s);
    }
  });

  it('writes latencies with their unit, µs below a millisecond, never as an exponent', () => {
    const tiny = buildRunFile([rec({ servingOverheadMs: 0.007 }), rec({ servingOverheadMs: 0.004 })], meta);
    const text = renderSummary(tiny, { color: false });
    expect(text).toMatch(/overhead\s+4\.00 µs\s+5\.50 µs/);
    expect(text).not.toMatch(/\de-\d/);
  });

  it('shows the serving overhead beside the latencies, and the check’s line (⚠ when CPU-bound)', () => {
    const fine = buildRunFile([rec({ servingOverheadMs: 2 }), rec({ servingOverheadMs: 4 })], meta);
    expect(fine.servingCheck).toMatchObject({ status: 'ok', overheadMs: 3 });
    const fineText = renderSummary(fine, { color: false });
    expect(fineText).toMatch(/overhead\s+2\.00 ms\s+3\.00 ms/);
    expect(fineText).toContain('  serving overhead 3.0 ms (3.0 % of TTFT)');
    expect(fineText).not.toContain('⚠');
    const slow = buildRunFile([rec({ servingOverheadMs: 60 })], meta);
    expect(slow.servingCheck.status).toBe('cpu-bound');
    expect(renderSummary(slow, { color: false })).toContain('  ⚠ this machine adds 60 ms (60 %) to TTFT: results are CPU-bound; lower --speedup-ratio or use --clock virtual');
    expect(renderSummary(buildRunFile(records, meta), { color: false })).toContain('serving overhead unavailable');
  });

  it('uses ANSI colour only when asked', () => {
    expect(renderSummary(run, { color: false })).not.toContain('\x1b[');
    expect(renderSummary(run, { color: true })).toContain('\x1b[');
  });
});
