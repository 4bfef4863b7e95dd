import { describe, expect, it } from 'vitest';
import { formatCell, formatTable, type Table } from '../../src/analysis/tables.ts';
import { comparisonTables, experimentTable, latencyTable, overviewTable, ratioTone } from '../../src/analysis/summary-tables.ts';
import { summarize } from '../../src/core/summary.ts';
import { compare } from '../../src/analysis/stats/compare.ts';
import { summarizeRun } from '../../src/analysis/stats/run-stats.ts';
import { goodput } from '../../src/core/goodput.ts';
import { genRecords, rec } from './fixtures.ts';

const table: Table = {
  title: 'Latency',
  columns: [
    { key: 'metric', title: 'metric' },
    { key: 'p50', title: 'p50', unit: 'ms' },
    { key: 'hit', title: 'hit', unit: '%', kind: 'percent' },
    { key: 'r', title: 'B/A', kind: 'ratio' },
  ],
  rows: [
    { metric: 'ttft_ms', p50: 123.456, hit: 0.5, r: 0.5 },
    { metric: 'e2e_ms', p50: 4.5, hit: null, r: 1.25 },
  ],
  tones: [{ r: 'good' }, { r: 'bad' }],
};

describe('terminal tables', () => {
  it('puts units in headers and aligns every column', () => {
    const lines = formatTable(table, { color: false }).split('\n');
    expect(lines[0]).toBe('Latency');
    expect(lines[1]).toContain('p50 (ms)');
    expect(lines[1]).toContain('hit (%)');
    // numbers are right-aligned: each row's p50 ends where the header ends
    const end = lines[1].indexOf('p50 (ms)') + 'p50 (ms)'.length;
    expect(lines[3].slice(0, end).endsWith('123')).toBe(true);
    expect(lines[4].slice(0, end).endsWith('4.50')).toBe(true);
    expect(lines[4]).toContain(' - ');
    expect(lines[3]).toContain('0.50×');
  });

  it('colours only when asked', () => {
    expect(formatTable(table, { color: false })).not.toContain('\x1b[');
    const coloured = formatTable(table, { color: true });
    expect(coloured).toContain('\x1b[32m'); // good ratio in green
    expect(coloured).toContain('\x1b[31m'); // bad ratio in red
  });

  it('formats cells by kind', () => {
    expect(formatCell(0.1234, { key: 'x', title: 'x', kind: 'percent' })).toBe('12.3');
    expect(formatCell(null, { key: 'x', title: 'x' })).toBe('-');
    expect(formatCell(12, { key: 'x', title: 'x' })).toBe('12');
    expect(formatCell(true, { key: 'x', title: 'x' })).toBe('yes');
  });

  it('tones ratios by direction with a neutral band', () => {
    expect(ratioTone(0.5, true)).toBe('good');
    expect(ratioTone(0.5, false)).toBe('bad');
    expect(ratioTone(1.01, true)).toBeUndefined();
    expect(ratioTone(null, true)).toBe('dim');
  });

  it('builds overview and comparison tables from run statistics', () => {
    const recs = genRecords({ seed: 7 });
    const a = summarizeRun(recs, 10);
    const b = summarizeRun(genRecords({ seed: 7, ttftScale: 0.5 }), 10);
    const ov = overviewTable([{ name: 'a', stats: a, goodput: goodput(recs, { ttft_ms: 100 }, 10) }]);
    expect(ov.rows[0].requests).toBe(recs.length);
    expect(ov.columns.some((c) => c.key === 'goodShare')).toBe(true);
    expect(ov.note).toContain('ttft_ms ≤ 100');
    const [metrics, turns] = comparisonTables(compare(a, b), 'a', 'b');
    const ttftMean = metrics.rows.findIndex((r) => r.metric === 'ttft_ms' && r.stat === 'mean');
    expect(metrics.rows[ttftMean].ratio).toBeCloseTo(0.5, 10);
    expect(metrics.tones?.[ttftMean].ratio).toBe('good');
    expect(turns.rows.length).toBe(a.perTurn.length);
  });
});

describe('units and directions', () => {
  it('writes sub-millisecond latencies in µs, never as 1.4e-3 or 0.001 ms', () => {
    const recs = [0.0014, 0.0021, 0.64, 12.5].map((late, i) => rec({ ttftMs: 20 + i, lateMs: late, tpotMs: 0.9 }));
    const text = formatTable(latencyTable('x', summarize(recs, 1)), { color: false });
    const late = text.split('\n').find((l) => l.startsWith('send_late_ms'))!;
    expect(late).toMatch(/^send_late_ms\s+1\.40 µs\s+3\.29 ms\s+321 µs\s+/);
    expect(text).toMatch(/tpot_ms\s+900 µs/);
    expect(text).toMatch(/ttft_ms\s+20\.0 ms/);
    expect(text).not.toMatch(/\de-\d|0\.00\d\b/);
  });

  it('names the better side beside every difference, in the metric table and per turn', () => {
    const slow = summarizeRun(genRecords({ seed: 3, ttftScale: 2 }), 10);
    const fast = summarizeRun(genRecords({ seed: 3 }), 5);
    const cmp = compare(slow, fast);
    const [metrics, turns] = comparisonTables(cmp, 'round-robin', 'kv');
    const ttft = cmp.metrics.find((m) => m.metric === 'ttft_ms' && m.stat === 'mean')!;
    const row = (metric: string, stat: string) => metrics.rows.find((r) => r.metric === metric && r.stat === stat)!;
    expect(row('ttft_ms', 'mean').difference).toBe(`kv faster by ${(ttft.a! - ttft.b!).toFixed(1)} ms`);
    expect(row('requests_per_s', 'value').difference).toMatch(/^kv higher by [\d.]+ req\/s$/);
    // the other way round, the baseline is the better side
    const [back] = comparisonTables(compare(fast, slow), 'kv', 'round-robin');
    expect(back.rows.find((r) => r.metric === 'ttft_ms' && r.stat === 'mean')!.difference).toBe(`kv faster by ${(ttft.a! - ttft.b!).toFixed(1)} ms`);
    const text = formatTable(metrics, { color: false });
    for (const r of metrics.rows) {
      if (r.a === null || r.b === null) continue;
      expect(r.difference).toMatch(/^(kv|round-robin) (faster|higher) by [\d.]+ (ms|µs|req\/s|tok\/s)$|^same$/);
    }
    expect(text).toMatch(/ttft_ms\s+mean\s+[\d.]+ ms\s+[\d.]+ ms\s+0\.\d{3}×\s+kv faster by [\d.]+ ms/);
    expect(turns.columns.map((c) => c.key)).toEqual(expect.arrayContaining(['meanDifference', 'p50Difference']));
    for (const r of turns.rows) expect(r.meanDifference).toMatch(/^kv faster by [\d.]+ ms$/);
  });
});

describe('table width', () => {
  it('wraps a table wider than the page into blocks of columns, each led by the row name', () => {
    const runs = ['kv', 'round-robin'].map((name, i) => ({ name, stats: summarizeRun(genRecords({ seed: i }), 10) }));
    const t = overviewTable(runs);
    const wide = formatTable(t, { color: false });
    expect(Math.max(...wide.split('\n').map((l) => [...l].length))).toBeGreaterThan(80);
    const lines = formatTable(t, { color: false, width: 80 }).split('\n');
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(80);
    const headers = lines.filter((l, i) => lines[i + 1]?.startsWith('───'));
    expect(headers.length).toBeGreaterThan(1);
    for (const h of headers) expect(h.startsWith('run ')).toBe(true);
    for (const c of t.columns) expect(headers.join(' ')).toContain(c.title);
    // every block lists every run
    expect(lines.filter((l) => l.startsWith('round-robin')).length).toBe(headers.length);
  });
});

describe('serving check in the tables', () => {
  const fine = summarize([rec({ ttftMs: 100, servingOverheadMs: 3 })], 1);
  const slow = summarize([rec({ ttftMs: 100, servingOverheadMs: 45 })], 1);
  const remote = summarize([rec({ ttftMs: 100 })], 1);

  it('marks a CPU-bound cell ⚠ and red, and says why in the note', () => {
    const t = experimentTable('x', [
      { params: { mode: 'kv' }, summary: fine },
      { params: { mode: 'rr' }, summary: slow },
      { params: { mode: 'remote' }, summary: remote },
    ], 'real');
    expect(t.rows.map((r) => r.check)).toEqual(['ok', '⚠ CPU-bound', 'unavailable']);
    expect(t.rows.map((r) => r.overhead)).toEqual([3, 45, null]);
    expect(t.tones?.[1]).toMatchObject({ overhead: 'bad', overheadShare: 'bad', check: 'bad' });
    expect(t.tones?.[0]).toEqual({});
    expect(t.note).toMatch(/^⚠ CPU-bound \(1 of 3\)/);
    const text = formatTable(t, { color: false });
    expect(text).toMatch(/serving overhead\s+overhead/);
    expect(text).toContain('overhead (% of TTFT)');
    expect(text).toMatch(/rr .*45.0 .*⚠ CPU-bound/);
  });

  it('leaves the columns out on the virtual clock and says n/a', () => {
    const t = experimentTable('x', [{ params: { mode: 'kv' }, summary: slow }], 'virtual');
    expect(t.columns.some((c) => c.key === 'check' || c.key === 'overhead')).toBe(false);
    expect(t.note).toBe('serving overhead: n/a (virtual clock)');
    const ov = overviewTable([{ name: 'v', stats: summarizeRun([rec({})], 1), clock: 'virtual' }]);
    expect(ov.columns.some((c) => c.key === 'check')).toBe(false);
    expect(ov.note).toBe('serving overhead: n/a (virtual clock)');
  });
});

describe('ground truth in the experiment table', () => {
  const s = summarize([rec({ ttftMs: 100 })], 1);
  const gt = { bestCaseHitRatio: 0.8, oracle: { hitRatio: 0.6, ttftMeanMs: 90 }, regret: { hitRatio: 0.15, ttftMeanMs: 10 }, source: 'virtual' as const };

  it('shows best case, oracle and regret per cell, with the definition in the note', () => {
    const t = experimentTable('x', [{ params: { mode: 'kv' }, summary: s, groundTruth: gt }, { params: { mode: 'rr' }, summary: s, groundTruth: null }], 'virtual');
    expect(t.rows.map((r) => [r.bestHit, r.oracleHit, r.regretHit, r.regretTtft])).toEqual([[0.8, 0.6, 0.15, 10], [null, null, null, null]]);
    expect(t.note).toMatch(/^best case: one worker with an unlimited cache; oracle: .*regret: .*positive = worse/);
    const text = formatTable(t, { color: false });
    expect(text).toContain('hit regret (pp)');
    expect(text).toMatch(/kv .*80\.0 .*60\.0 .*15\.0 .*10\.0 ms/);
  });

  it('has no ground-truth columns when no cell carries it', () => {
    const t = experimentTable('x', [{ params: { mode: 'kv' }, summary: s }], 'virtual');
    expect(t.columns.some((c) => c.key === 'regretHit')).toBe(false);
  });
});
