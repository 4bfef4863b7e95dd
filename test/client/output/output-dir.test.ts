import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimOutputDir, timestamp, timestampedDir } from '../../../src/client/output/output-dir.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-outdir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('output folders', () => {
  it('a default folder is <root>/<name>-<timestamp>, suffixed until free', () => {
    const at = new Date(2026, 0, 2, 3, 4, 5);
    expect(timestamp(at)).toBe('20260102-030405');
    const first = timestampedDir('trace', at, root);
    expect(first).toBe(join(root, 'trace-20260102-030405'));
    mkdirSync(first);
    expect(timestampedDir('trace', at, root)).toBe(`${first}-2`);
    mkdirSync(`${first}-2`);
    expect(timestampedDir('trace', at, root)).toBe(`${first}-3`);
  });

  it('a missing or empty folder is taken as it is; a non-empty one is refused without --overwrite', () => {
    expect(() => claimOutputDir(join(root, 'missing'), false)).not.toThrow();
    mkdirSync(join(root, 'empty'));
    expect(() => claimOutputDir(join(root, 'empty'), false)).not.toThrow();
    const full = join(root, 'full');
    mkdirSync(full);
    for (const f of ['a', 'b', 'c', 'd']) writeFileSync(join(full, f), '');
    expect(() => claimOutputDir(full, false)).toThrow(/Invalid option --output: .*full already holds a run \(a, b, c, …\): give --overwrite/);
    writeFileSync(join(root, 'file'), '');
    expect(() => claimOutputDir(join(root, 'file'), true)).toThrow(/is not a folder/);
  });

  it("--overwrite removes kvlab's files and run sub-folders, and nothing else", () => {
    const dir = join(root, 'old-run');
    mkdirSync(join(dir, 'prefix-ratio-0.5'), { recursive: true });
    mkdirSync(join(dir, 'mine'));
    for (const f of ['requests.jsonl', 'run.json', 'report.html', 'summary.json', 'experiment.json', 'ttft-cdf.svg', 'ttft-cdf.png', 'notes.txt']) writeFileSync(join(dir, f), '');
    writeFileSync(join(dir, 'prefix-ratio-0.5', 'run.json'), '');
    writeFileSync(join(dir, 'prefix-ratio-0.5', 'requests.jsonl'), '');
    writeFileSync(join(dir, 'mine', 'data.csv'), '');
    writeFileSync(join(dir, 'mine', 'photo.png'), '');
    claimOutputDir(dir, true);
    expect(readdirSync(dir).sort()).toEqual(['mine', 'notes.txt']);
    expect(readdirSync(join(dir, 'mine')).sort()).toEqual(['data.csv', 'photo.png']);
  });

  it("--overwrite clears nested experiments (a demo's stages), and the folders they leave empty", () => {
    const dir = join(root, 'old-demo');
    const cell = join(dir, 'virtual', 'prefix-ratio-sweep', '000_kv');
    mkdirSync(cell, { recursive: true });
    writeFileSync(join(dir, 'summary.json'), '');
    writeFileSync(join(dir, 'report.html'), '');
    writeFileSync(join(dir, 'virtual', 'prefix-ratio-sweep', 'summary.json'), '');
    writeFileSync(join(dir, 'virtual', 'prefix-ratio-sweep', 'sweep.svg'), '');
    writeFileSync(join(cell, 'run.json'), '');
    claimOutputDir(dir, true);
    expect(readdirSync(dir)).toEqual([]);
  });
});
