import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadRun } from '../../../src/analysis/stats/load-run.ts';
import { isExperimentDir, loadExperiment } from '../../../src/analysis/stats/load-experiment.ts';
import { parseRecords, RecordChunkParser } from '../../../src/analysis/stats/parse-records.ts';
import { runDurationS, runName } from '../../../src/analysis/stats/run-data.ts';
import { summarizeRun } from '../../../src/analysis/stats/run-stats.ts';
import { genRecords, rec, runFileFor, tempDir, writeExperimentDir, writeRunDir } from '../fixtures.ts';

describe('loadRun', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.cleanup());

  it('reads a killed run: no run.json and a truncated last line', async () => {
    const dir = join(tmp.dir, 'killed');
    await mkdir(dir);
    const records = [rec({ conversationId: 'a' }), rec({ conversationId: 'b', turn: 2, sentAtMs: 1500 })];
    const text = records.map((r) => JSON.stringify(r)).join('\n') + '\n' + JSON.stringify(rec({ conversationId: 'c' })).slice(0, 40);
    await writeFile(join(dir, 'requests.jsonl'), text);
    const loaded = await loadRun(dir);
    expect(loaded.run).toBeNull();
    expect(loaded.records).toEqual(records);
    expect(runName(loaded)).toBe('killed');
    expect(runDurationS(loaded)).toBeCloseTo(2.5, 10); // 0 → 1500 + 1000
  });

  it('reads run.json and every record of a complete run', async () => {
    const records = genRecords({ seed: 3 });
    const dir = await writeRunDir(join(tmp.dir, 'full'), records, runFileFor(records, { label: 'kv', durationS: 9 }));
    const loaded = await loadRun(dir);
    expect(loaded.records).toHaveLength(records.length);
    expect(runName(loaded)).toBe('kv');
    expect(runDurationS(loaded)).toBe(9);
  });

  it('reads records without their ITL gaps, with the ITL distribution of run.json, when run.json describes them', async () => {
    const records = genRecords({ seed: 5 }).map((r, i) => ({ ...r, itlMs: [1 + (i % 7), 2.5, 3 + i / 10] }));
    const run = runFileFor(records, { durationS: 9 });
    const dir = await writeRunDir(join(tmp.dir, 'lean'), records, run);
    const lean = await loadRun(dir, { itlGaps: false });
    expect(lean.itlMs).toEqual(run.summary.itlMs);
    expect(lean.records.every((r) => r.itlMs === null)).toBe(true);
    expect(lean.records.map((r) => ({ ...r, itlMs: undefined }))).toEqual(records.map((r) => ({ ...r, itlMs: undefined })));
    expect(summarizeRun(lean.records, 9, lean.itlMs).summary).toEqual(run.summary);
  });

  it('reads the ITL gaps after all when run.json does not describe the records (count differs)', async () => {
    const records = genRecords({ seed: 6 }).map((r) => ({ ...r, itlMs: [4, 5] }));
    const dir = await writeRunDir(join(tmp.dir, 'stale'), records, runFileFor(records.slice(1)));
    const loaded = await loadRun(dir, { itlGaps: false });
    expect(loaded.itlMs).toBeUndefined();
    expect(loaded.records.map((r) => r.itlMs)).toEqual(records.map(() => [4, 5]));
  });

  it('parses a file\'s bytes line by line as it parses its text, with and without the ITL gaps', () => {
    const records = genRecords({ seed: 8 }).map((r, i) => ({ ...r, itlMs: [i, 1.5], conversationId: `c-é-${i}` }));
    const text = records.map((r) => JSON.stringify(r)).join('\r\n') + '\n\n' + JSON.stringify(records[0]).slice(0, 30);
    for (const itlGaps of [true, false]) {
      const fromText = parseRecords(text, 'x', { itlGaps });
      expect(parseRecords(Buffer.from(text), 'x', { itlGaps })).toEqual(fromText);
      expect(fromText.droppedLines).toBe(1);
      expect(fromText.records.map((r) => r.itlMs)).toEqual(records.map((r) => (itlGaps ? r.itlMs : null)));
    }
    expect(() => parseRecords(Buffer.from('{"turn":1,"sentAtMs":0,"ok":true}\nnot json\n{"turn":1,"sentAtMs":0,"ok":true}'))).toThrow(/:2: not valid JSON/);
  });

  it('reads a file in chunks of any size: lines split over chunks are joined, multi-byte characters too', () => {
    const records = genRecords({ seed: 9 }).map((r, i) => ({ ...r, itlMs: [i, 2.25, 3], conversationId: `ü-€-${i}` }));
    const bytes = Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    for (const size of [1, 7, 64, 1000]) {
      for (const gaps of [true, false]) {
        const p = new RecordChunkParser('x', gaps);
        for (let at = 0; at < bytes.length; at += size) p.chunk(bytes.subarray(at, at + size));
        expect(p.end()).toEqual(parseRecords(bytes.toString('utf8'), 'x', { itlGaps: gaps }));
      }
    }
  });

  it('rejects a missing folder and a folder without run files with one-line messages', async () => {
    await expect(loadRun(join(tmp.dir, 'nope'))).rejects.toThrow(/does not exist/);
    await mkdir(join(tmp.dir, 'empty'));
    await expect(loadRun(join(tmp.dir, 'empty'))).rejects.toThrow(/neither run.json nor requests.jsonl/);
  });

  it('rejects a corrupt line that is not the last one', () => {
    expect(() => parseRecords('{"turn":1\n' + JSON.stringify(rec()) + '\n', 'x.jsonl')).toThrow(/x.jsonl:1: not valid JSON/);
    expect(parseRecords(JSON.stringify(rec()) + '\n{"turn":1').droppedLines).toBe(1);
  });

  it('reads an experiment folder, keeping cells whose run folder is missing', async () => {
    const dir = join(tmp.dir, 'exp');
    await writeExperimentDir(dir, { missingCell: true });
    expect(await isExperimentDir(dir)).toBe(true);
    expect(await isExperimentDir(join(tmp.dir, 'full'))).toBe(false);
    const exp = await loadExperiment(dir);
    expect(exp.name).toBe('kv-vs-rr');
    expect(exp.clock).toBe('virtual');
    expect(exp.cells).toHaveLength(6);
    expect(exp.cells.filter((c) => c.loaded === null)).toHaveLength(1);
    expect(exp.cells[0].params['workload.prefixRatio']).toBe(0.1);
    expect(exp.cells[0].loaded?.records.length).toBeGreaterThan(0);
  });
});
