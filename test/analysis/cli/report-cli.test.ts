import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { registerReport } from '../../../src/cli/report.ts';
import { exitCodeOf } from '../../../src/cli/exit.ts';
import { genRecords, runFileFor, tempDir, writeRunDir } from '../fixtures.ts';

/** Runs the commander program in-process; a thrown error stands for a non-zero exit. */
async function cli(args: string[]): Promise<{ out: string; err: string; code: number }> {
  const program = new Command('kvlab').exitOverride();
  registerReport(program);
  let out = '';
  let err = '';
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  let code = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof Error && e.name === 'CommanderError') throw e;
    err += (e as Error).message;
    code = exitCodeOf(e);
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
  return { out, err, code };
}

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('kvlab report | compare | merge', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let a: string;
  let b: string;
  beforeAll(async () => {
    tmp = await tempDir();
    const ra = genRecords({ seed: 'a', ttftScale: 2 });
    const rb = genRecords({ seed: 'a' });
    a = await writeRunDir(join(tmp.dir, 'a'), ra, runFileFor(ra, { label: 'rr' }));
    b = await writeRunDir(join(tmp.dir, 'b'), rb, runFileFor(rb, { label: 'kv' }));
  });
  afterAll(() => tmp.cleanup());

  it('compare prints a ratio table and exits 0', async () => {
    const r = await cli(['compare', a, b]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Comparison — kv vs rr');
    expect(r.out).toMatch(/ttft_ms\s+mean\s+[\d.]+ ms\s+[\d.]+ ms\s+0\.500×\s+kv faster by [\d.]+ ms/);
    expect(r.out).not.toContain('\x1b[');
  });

  it('compare --json prints per-metric and per-turn ratios', async () => {
    const r = await cli(['compare', a, b, '--json']);
    const doc = JSON.parse(r.out);
    expect(doc.a.name).toBe('rr');
    expect(doc.metrics.find((m: { metric: string; stat: string }) => m.metric === 'ttft_ms' && m.stat === 'p50').ratio).toBeCloseTo(0.5, 10);
    expect(doc.perTurn[0].meanRatio).toBeCloseTo(0.5, 10);
  });

  it('report writes plots and report.html and prints its path', async () => {
    const out = join(tmp.dir, 'rep');
    const r = await cli(['report', a, b, '-o', out, '--no-png', '--goodput', 'ttft_ms:100']);
    expect(r.err).toBe('');
    expect(r.out.trim()).toBe(join(out, 'report.html'));
    expect(existsSync(join(out, 'ttft-cdf.svg'))).toBe(true);
    expect(existsSync(join(out, 'ttft-cdf.png'))).toBe(false);
  });

  it('merge writes a merged run folder', async () => {
    const out = join(tmp.dir, 'merged');
    const r = await cli(['merge', a, b, '-o', out, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).summary.requests).toBe(2 * genRecords({ seed: 'a' }).length);
    expect(existsSync(join(out, 'requests.jsonl'))).toBe(true);
  });

  it('bad paths fail with a one-line message, as usage errors (exit 2)', async () => {
    for (const args of [['compare', a, join(tmp.dir, 'nope')], ['report', join(tmp.dir, 'nope')], ['merge', join(tmp.dir, 'nope'), '-o', join(tmp.dir, 'm2')]]) {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^not a run folder: .*nope does not exist/);
    }
  });

  it('the kvlab binary prints one line and exits 2 on a bad path', async () => {
    const run = promisify(execFile);
    const err = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'compare', a, join(tmp.dir, 'nope')], {
      cwd: ROOT,
    }).catch((e: { code: number; stderr: string; stdout: string }) => e);
    expect('code' in err ? err.code : 0).toBe(2);
    expect(err.stderr.trim().split('\n')).toHaveLength(1);
    expect(err.stderr).toMatch(/not a run folder/);
  });

  it('a bad --goodput is rejected by the flag parser', async () => {
    await expect(cli(['report', a, '--goodput', 'ttft:1'])).rejects.toThrow(/unknown goodput metric/);
  });
});
