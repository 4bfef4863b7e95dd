import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { merge } from '../../../src/analysis/stats/merge.ts';
import { loadRun } from '../../../src/analysis/stats/load-run.ts';
import { mergeRunDirs } from '../../../src/analysis/write-merged-run.ts';
import { summarizeRun } from '../../../src/analysis/stats/run-stats.ts';
import type { LoadedRun } from '../../../src/analysis/stats/run-data.ts';
import { genRecords, runFileFor, tempDir, writeRunDir } from '../fixtures.ts';

// A whole run of 9 s started at T: conversations u0–u3 ran as shard A (started at T, 4 s), u4–u7 as
// shard B, started 5 s later (4 s; its send times are relative to its own start).
const T = '2025-03-01T10:00:00.000Z';
const T5 = '2025-03-01T10:00:05.000Z';
const whole = genRecords({ seed: 'merge', users: 8, turns: 3 })
  .map((r) => (r.conversationId < 'u4' ? r : { ...r, sentAtMs: r.sentAtMs + 5000 }))
  .sort((x, y) => x.sentAtMs - y.sentAtMs);
const shardA = whole.filter((r) => r.conversationId < 'u4');
const shardB = whole.filter((r) => r.conversationId >= 'u4').map((r) => ({ ...r, sentAtMs: r.sentAtMs - 5000 }));

describe('merge', () => {
  const runA: LoadedRun = { dir: 'a', run: runFileFor(shardA, { startedAt: T, durationS: 4, label: 'A' }), records: shardA };
  const runB: LoadedRun = { dir: 'b', run: runFileFor(shardB, { startedAt: T5, durationS: 4, label: 'B' }), records: shardB };

  it('of two shards equals the summary of the whole run', () => {
    expect(shardA.length).toBeGreaterThan(0);
    expect(shardB.length).toBeGreaterThan(0);
    const merged = merge([runB, runA]);
    expect(merged.durationS).toBeCloseTo(9, 10);
    expect(merged.startedAt).toBe(T);
    const expected = summarizeRun(whole, 9);
    expect(merged.stats.summary).toEqual(expected.summary);
    expect(merged.stats.perTurn).toEqual(expected.perTurn);
    expect(merged.stats.firstVsLaterSpeedup).toBe(expected.firstVsLaterSpeedup);
  });

  it('moves send times onto the earliest start and keeps them ordered', () => {
    const merged = merge([runA, runB]);
    const sent = merged.records.map((r) => r.sentAtMs);
    expect(sent).toEqual([...sent].sort((x, y) => x - y));
    expect(sent).toEqual(whole.map((r) => r.sentAtMs).sort((x, y) => x - y));
  });

  it('labels unlabelled records with their run label', () => {
    const merged = merge([runA, runB]);
    expect(new Set(merged.records.map((r) => r.label))).toEqual(new Set(['A', 'B']));
  });

  it('spans the union of run intervals, gaps included', () => {
    const late = { ...runB, run: { ...runB.run!, startedAt: '2025-03-01T10:01:00.000Z', durationS: 4 } };
    expect(merge([runA, late]).durationS).toBeCloseTo(64, 10);
  });

  it('uses the records span for runs without run.json', () => {
    const a: LoadedRun = { dir: 'a', run: null, records: shardA };
    const span = Math.max(...shardA.map((r) => r.sentAtMs + (r.e2eMs ?? 0))) - Math.min(...shardA.map((r) => r.sentAtMs));
    expect(merge([a]).durationS).toBeCloseTo(span / 1000, 10);
  });
});

describe('mergeRunDirs', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
    await writeRunDir(join(tmp.dir, 'a'), shardA, runFileFor(shardA, { startedAt: T, durationS: 4 }));
    await writeRunDir(join(tmp.dir, 'b'), shardB, runFileFor(shardB, { startedAt: T5, durationS: 4 }));
  });
  afterAll(() => tmp.cleanup());

  it('writes a run folder that loads back with the summary of the whole', async () => {
    const out = join(tmp.dir, 'merged');
    const res = await mergeRunDirs({ runDirs: [join(tmp.dir, 'a'), join(tmp.dir, 'b')], outDir: out, label: 'all' });
    const back = await loadRun(out);
    expect(back.records).toHaveLength(whole.length);
    expect(back.run?.command).toBe('merge');
    expect(back.run?.label).toBe('all');
    expect(back.run?.durationS).toBeCloseTo(9, 10);
    expect(summarizeRun(back.records, back.run!.durationS).summary).toEqual(summarizeRun(whole, 9).summary);
    expect(JSON.parse(await readFile(join(out, 'run.json'), 'utf8')).summary).toEqual(res.run.summary);
  });

  it('refuses to write into one of its inputs', async () => {
    await expect(mergeRunDirs({ runDirs: [join(tmp.dir, 'a')], outDir: join(tmp.dir, 'a') })).rejects.toThrow(/is one of the inputs/);
  });
});
