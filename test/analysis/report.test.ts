import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buildRunsReport } from '../../src/analysis/report/build-report.ts';
import { loadRun } from '../../src/analysis/stats/load-run.ts';
import { writeReport } from '../../src/analysis/report/write-report.ts';
import { scriptSafeJs, scriptSafeJson } from '../../src/analysis/render/html.ts';
import { genRecords, runFileFor, tempDir, writeExperimentDir, writeRunDir, writeSweepDir } from './fixtures.ts';
import { loadSweep } from '../../src/analysis/stats/load-sweep.ts';

describe('writeReport', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
    const kv = genRecords({ seed: 'kv', workers: 2, label: 'kv </script><!-- x' });
    const rr = genRecords({ seed: 'rr', workers: 0, ttftScale: 2 });
    await writeRunDir(join(tmp.dir, 'kv'), kv, runFileFor(kv, { label: 'kv </script><!-- x' }));
    await writeRunDir(join(tmp.dir, 'rr'), rr, null);
    await writeExperimentDir(join(tmp.dir, 'exp'), { missingCell: true });
  });
  afterAll(() => tmp.cleanup());

  it('compares several runs in one self-contained report with SVG and PNG plots', async () => {
    const out = join(tmp.dir, 'out');
    const res = await writeReport({ runDirs: [join(tmp.dir, 'rr'), join(tmp.dir, 'kv')], outDir: out, slos: { ttft_ms: 100 } });
    expect(res.reportPath).toBe(join(out, 'report.html'));
    const names = res.plots.map((p) => p.slice(out.length + 1));
    for (const id of ['ttft-per-turn', 'ttft-cdf', 'latency-over-time', 'worker-bars', 'compare-ttft-per-turn']) {
      expect(names).toContain(`${id}.svg`);
      expect(names).toContain(`${id}.png`);
    }
    for (const p of res.plots) expect((await stat(p)).size).toBeGreaterThan(1000);
    const html = await readFile(res.reportPath, 'utf8');
    // nothing external: no src/href attributes and no stylesheet/script links
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    // the label with '</script>' is escaped in the inlined JSON and the HTML text
    expect(html.match(/<\/script>/g)?.length).toBe(html.match(/<script\b/g)?.length);
    expect(html).toContain('kv &lt;/script&gt;');
    expect(html).toContain('Comparisons against');
    expect(html).toContain('goodput');
    expect(html).toContain('no run.json: partial run');
  });

  it('reports an experiment folder with the sweep plot and cells table', async () => {
    const out = join(tmp.dir, 'exp-out');
    const res = await writeReport({ runDirs: [join(tmp.dir, 'exp')], outDir: out });
    expect(res.plots.map((p) => p.slice(out.length + 1))).toContain('sweep.svg');
    const html = await readFile(res.reportPath, 'utf8');
    expect(html).toContain('Experiment cells — kv-vs-rr');
    expect(html).toContain('1 cell run folder(s) missing');
    const svg = await readFile(join(out, 'sweep.svg'), 'utf8');
    expect(svg).toContain('cluster.router.mode');
  });

  it('plots TTFT per turn only for runs with more than one turn, and not at all when every run has one', async () => {
    const single = genRecords({ seed: 'single', turns: 1 });
    await writeRunDir(join(tmp.dir, 'single'), single, runFileFor(single));
    const mixed = buildRunsReport([await loadRun(join(tmp.dir, 'single')), await loadRun(join(tmp.dir, 'kv'))]);
    const perTurn = mixed.plots.find((p) => p.id === 'ttft-per-turn');
    const values = (perTurn?.spec.data as { values: { series: string; turn: number }[] }).values;
    expect(new Set(values.map((v) => v.series))).toEqual(new Set(['kv </script><!-- x'])); // the kv run, by its label
    expect(Math.max(...values.map((v) => v.turn))).toBe(4);
    const alone = buildRunsReport([await loadRun(join(tmp.dir, 'single'))]);
    expect(alone.plots.map((p) => p.id)).not.toContain('ttft-per-turn');
    expect(alone.plots.map((p) => p.id)).toContain('ttft-cdf');
  });

  it('reads several sweep folders as one sweep, one line per folder', async () => {
    const kv = await writeSweepDir(join(tmp.dir, 'sweeps', 'kv'));
    const rr = await writeSweepDir(join(tmp.dir, 'sweeps', 'round-robin'), { ratios: [0.5, 0.1, 0.9], ttftScale: 2 });
    const exp = await loadSweep([rr, kv]);
    expect(exp.kind).toBe('sweep');
    expect(exp.cells.map((c) => c.params)).toEqual(
      ['kv', 'round-robin'].flatMap((run) => [0.1, 0.5, 0.9].map((r) => ({ run, 'workload.prefixRatio': r }))),
    );
    const out = join(tmp.dir, 'sweeps-out');
    const res = await writeReport({ runDirs: [rr, kv], outDir: out, png: false });
    const svg = await readFile(join(out, 'sweep.svg'), 'utf8');
    expect(svg).toContain('round-robin');
    expect(svg).toContain('>kv<');
    const html = await readFile(res.reportPath, 'utf8');
    expect(html).toContain('kvlab sweep — round-robin vs kv');
    expect(html).toContain('run=kv, prefixRatio=0.5');
    // settings are shown as written, not rounded as measurements
    expect(html).toMatch(/<td class="num nowrap">0\.5<\/td>/);
  });

  it('rejects bad inputs with one-line messages', async () => {
    await expect(writeReport({ runDirs: [join(tmp.dir, 'missing')], outDir: join(tmp.dir, 'x') })).rejects.toThrow(/does not exist/);
    await expect(writeReport({ runDirs: [], outDir: join(tmp.dir, 'x') })).rejects.toThrow(/at least one run folder/);
    await expect(
      writeReport({ runDirs: [join(tmp.dir, 'exp'), join(tmp.dir, 'kv')], outDir: join(tmp.dir, 'x') }),
    ).rejects.toThrow(/reported on its own/);
    const sweep = await writeSweepDir(join(tmp.dir, 'sweep-alone'));
    await expect(writeReport({ runDirs: [sweep, join(tmp.dir, 'kv')], outDir: join(tmp.dir, 'x') })).rejects.toThrow(
      /a sweep folder .* is reported with other sweep folders only/,
    );
  });
});

describe('inline escaping', () => {
  it('makes JSON and JS unable to close or confuse a script element', () => {
    const json = scriptSafeJson({ a: '</script><!--\u2028' });
    expect(json).not.toMatch(/<\/script|<!--|\u2028/i);
    expect(JSON.parse(json)).toEqual({ a: '</script><!--\u2028' });
    const js = scriptSafeJs('var s = "</SCRIPT>"; var t = "<!--";');
    expect(js).not.toMatch(/<\/script|<!--/i);
    expect(new Function(`${js}; return [s, t];`)()).toEqual(['</SCRIPT>', '<!--']);
  });
});
