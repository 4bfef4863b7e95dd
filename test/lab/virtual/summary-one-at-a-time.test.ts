/**
 * run.json's statistics (buildRunFile: summary, per-turn table, speedup, document types, thresholds,
 * goodput, failures), summary.json's cell entry and the oracle twin's summary read their records one
 * at a time and keep none: fed a source that hands over ONE object for every record of a pass
 * (overwritten by the next record), they give exactly what they give on an array. A statistic that
 * kept records (grouped them, or gathered them into an array) would read the last record's fields
 * instead, which the first test shows. A virtual cell hands them its kept columns, not an array.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRunFile } from '../../../src/client/report/run-file.ts';
import { parseThreshold } from '../../../src/client/report/thresholds.ts';
import type { BenchRecord } from '../../../src/client/runner/types.ts';
import { buildMultiturn } from '../../../src/client/workloads/index.ts';
import type { RecordSource } from '../../../src/core/record-source.ts';
import { PRIORITY_CLASS_TAG } from '../../../src/core/records.ts';
import { summarize } from '../../../src/core/summary.ts';
import { resolveCluster } from '../../../src/lab/cluster-settings.ts';
import { cellEntry } from '../../../src/lab/experiment-summary.ts';
import { runVirtualCell } from '../../../src/lab/virtual-cell.ts';
import { RecordColumns } from '../../../src/lab/virtual/record-columns.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-one-at-a-time-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every record of a pass is the same object, refilled with the next record's fields. */
function oneObject<R extends object>(records: readonly R[]): RecordSource<R> {
  return {
    length: records.length,
    *[Symbol.iterator]() {
      const only: Record<string, unknown> = {};
      for (const r of records) {
        for (const k of Object.keys(only)) delete only[k];
        Object.assign(only, r);
        yield only as R;
      }
    },
  };
}

/** 600 records of 50 conversations × 12 turns: document types, priority classes, failures, retries, gaps. */
function records(): BenchRecord[] {
  const out: BenchRecord[] = [];
  for (let i = 0; i < 600; i++) {
    const ok = i % 37 !== 5;
    const ttft = ((i * 7919) % 1000) / 3 + (i % 50 === 0 ? 0.5 : 0);
    out.push({
      conversationId: `c${i % 50}`,
      turn: Math.floor(i / 50) + 1,
      sentAtMs: i * 13,
      ttftMs: ok ? ttft : null,
      ttfatMs: ok ? ttft + 1 : null,
      e2eMs: ok ? ttft + 200 + (i % 17) : 3,
      tpotMs: ok ? 2 + (i % 11) / 7 : null,
      ...(ok ? { itlMs: [1 + (i % 5), 2.5, (i % 9) / 4] } : {}),
      inputTokens: ok ? 100 + i : null,
      outputTokens: ok ? 4 : null,
      cachedTokens: ok ? (i * 31) % 100 : null,
      worker: `worker-${i % 3}`,
      ok,
      error: ok ? null : i % 2 === 0 ? 'HTTP 500: boom' : 'stream ended early',
      status: ok ? 200 : i % 2 === 0 ? 500 : 200,
      servingOverheadMs: ok ? (i % 7) / 2 : null,
      retries: i % 23 === 0 ? 1 : 0,
      attempts: i % 23 === 0 ? 2 : 1,
      lateMs: (i % 13) / 10,
      label: 'x',
      tags: { docType: ['PDF', 'HTML', 'CODE'][i % 3], [PRIORITY_CLASS_TAG]: i % 4 === 0 ? 'high' : 'low' },
    });
  }
  return out;
}

const meta = {
  command: 'bench documents',
  label: 'x',
  config: {},
  target: 'virtual',
  startedAt: '2026-12-03T00:00:00.000Z',
  durationS: 9,
  thresholds: [parseThreshold('ttft_ms:p95<300'), parseThreshold('itl_ms:p(50)<=2.5'), parseThreshold('error_rate<0.1')],
  slos: { ttft_ms: 250, tpot_ms: 3 },
};

describe('the statistics of a run read each record once per pass and keep none', () => {
  it('a statistic that keeps the records reads the wrong ones from a one-object source (the check can fail)', () => {
    const rs = records();
    const keeping = (source: RecordSource<BenchRecord>) => summarize([...source], 9);
    expect(keeping(oneObject(rs))).not.toEqual(keeping(rs));
  });

  it('gives the same run.json from a one-object source as from the array', () => {
    const rs = records();
    const run = buildRunFile(oneObject(rs), meta);
    expect(run).toEqual(buildRunFile(rs, meta));
    expect(run.byDocType.map((g) => g.value)).toEqual(['CODE', 'HTML', 'PDF']);
    expect(run.summary.ttftMsByClass).toBeDefined();
    expect(run.failures.byError.length).toBe(2);
    expect(run.retries).toBe(27);
  });

  it('gives the same summary with a known ITL distribution (the virtual cell\'s and the oracle twin\'s) and the same cell entry', () => {
    const rs = records();
    const itlMs = summarize(rs, 9).itlMs;
    const lean = rs.map(({ itlMs: _gaps, ...r }) => r);
    expect(summarize(oneObject(lean), 9, { itlMs })).toEqual(summarize(rs, 9));
    const summary = summarize(rs, 9);
    expect(cellEntry({ a: 1 }, 'a=1', summary, oneObject(lean), false, 'virtual')).toEqual(cellEntry({ a: 1 }, 'a=1', summary, rs, false, 'virtual'));
  });

  it('a virtual cell hands its statistics the kept columns, not an array of records', () => {
    const workload = buildMultiturn({ numUsers: 6, numTurns: 3, numUserTokens: 60, maxCompletionTokens: 12, meanDelayMs: 100, seed: 2 });
    const cell = runVirtualCell(workload, resolveCluster({ numWorkers: 2, router: { mode: 'kv' } }, root), 0, join(root, 'cell'), { command: 'experiment', label: 'cell', config: {} });
    expect(Array.isArray(cell.records)).toBe(false);
    expect(cell.records).toBeInstanceOf(RecordColumns);
    expect(cell.records.length).toBe(18);
    // The same run.json from those columns as from their records handed over one object at a time.
    const { command, label, config, target, startedAt, durationS } = cell.run;
    const again = buildRunFile(oneObject([...cell.records]), { command, label, config, target, startedAt, durationS, clock: 'virtual', itlMs: cell.run.summary.itlMs });
    expect(again).toEqual(cell.run);
  });
});
