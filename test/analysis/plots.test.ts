import { describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import { perTurn } from '../../src/core/summary.ts';
import { compare } from '../../src/analysis/stats/compare.ts';
import { summarizeRun } from '../../src/analysis/stats/run-stats.ts';
import { compareTurnsSpec } from '../../src/analysis/plots/compare-turns.ts';
import { latencyOverTimeSpec } from '../../src/analysis/plots/latency-over-time.ts';
import { prefixRatioSpec, sweepPoints, type SweepCell } from '../../src/analysis/plots/prefix-ratio.ts';
import { ttftCdfPoints, ttftCdfSpec } from '../../src/analysis/plots/ttft-cdf.ts';
import { ttftPerTurnSpec } from '../../src/analysis/plots/ttft-per-turn.ts';
import { workerBarsSpec, workerRows } from '../../src/analysis/plots/worker-bars.ts';
import { compileSpec } from '../../src/analysis/render/compile.ts';
import { svgToPng } from '../../src/analysis/render/png.ts';
import { renderSvg } from '../../src/analysis/render/svg.ts';
import { genRecords, rec } from './fixtures.ts';

const kv = genRecords({ seed: 'kv', workers: 3, docTypes: true });
const rr = genRecords({ seed: 'rr', workers: 3, ttftScale: 2 });
const series = [
  { name: 'kv', records: kv },
  { name: 'round-robin', records: rr },
];
const cells: SweepCell[] = ['round-robin', 'kv'].flatMap((mode) =>
  [0.1, 0.5, 0.9].map((ratio) => ({
    params: { 'cluster.router.mode': mode, 'workload.prefixRatio': ratio },
    summary: summarizeRun(genRecords({ seed: `${mode}${ratio}`, ttftScale: mode === 'kv' ? 1 - ratio / 2 : 1 }), 5).summary,
  })),
);

const specs: Array<[string, TopLevelSpec]> = [
  ['ttft per turn', ttftPerTurnSpec(series.map((s) => ({ name: s.name, perTurn: perTurn(s.records) })))],
  ['prefix ratio sweep', prefixRatioSpec(cells)],
  ['ttft cdf', ttftCdfSpec(series)],
  ['latency over time', latencyOverTimeSpec(series)],
  ['worker bars', workerBarsSpec(series)],
  ['compare turns', compareTurnsSpec([{ name: 'kv vs rr', perTurn: compare(summarizeRun(rr), summarizeRun(kv)).perTurn }])],
];

/** Width and height from a PNG's IHDR chunk (bytes 16..24). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe.each(specs)('plot spec: %s', (_name, spec) => {
  it('compiles with vega-lite without warnings', () => {
    const { spec: vg, warnings } = compileSpec(spec);
    expect(warnings).toEqual([]);
    expect(vg.marks?.length ?? 0).toBeGreaterThan(0);
  });

  it('renders to a non-empty SVG and a 2× PNG', async () => {
    const svg = await renderSvg(spec);
    const m = /^<svg[^>]* width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(svg);
    expect(m).not.toBeNull();
    expect(svg).toMatch(/class="mark-(line|area|symbol|rect)/);
    expect(svg.length).toBeGreaterThan(2000);
    const png = svgToPng(svg);
    const size = pngSize(png.data);
    expect(size.width).toBe(Math.ceil(2 * Number(m![1])));
    expect(size.height).toBe(Math.ceil(2 * Number(m![2])));
  });

  it('puts tooltips on its marks', () => {
    expect(JSON.stringify(spec)).toContain('"tooltip"');
  });
});

describe('plot data', () => {
  it('draws p50 with a p25–p75 band per turn', () => {
    const spec = ttftPerTurnSpec([{ name: 'kv', perTurn: perTurn(kv) }]) as { data: { values: Array<Record<string, number>> } };
    const t2 = perTurn(kv).find((t) => t.turn === 2)!;
    const row = spec.data.values.find((v) => v.turn === 2)!;
    expect(row.ttft_p50_ms).toBe(t2.ttftMs.p50);
    expect(row.ttft_p25_ms).toBe(t2.ttftMs.p25);
    expect(row.ttft_p75_ms).toBe(t2.ttftMs.p75);
  });

  it('takes the sweep axes from the given parameters, one line per series value', () => {
    const pts = sweepPoints(cells);
    expect(pts.map((p) => p.x)).toEqual([0.1, 0.1, 0.5, 0.5, 0.9, 0.9]);
    expect(new Set(pts.map((p) => p.series))).toEqual(new Set(['kv', 'round-robin']));
    const custom = sweepPoints(cells, { x: 'workload.prefixRatio', series: null, ttftStat: 'p50' });
    expect(new Set(custom.map((p) => p.series))).toEqual(new Set(['all']));
    expect(custom[0].ttft_ms).toBe(cells.find((c) => c.params['workload.prefixRatio'] === 0.1)!.summary.ttftMs.p50);
    expect(() => prefixRatioSpec(cells, { x: 'nope' })).toThrow(/no cell has a numeric 'nope'/);
  });

  it('splits the lines by a third varying parameter instead of folding two cells onto one line', () => {
    const three = [200, 1000].flatMap((osl) => cells.map((c) => ({ ...c, params: { ...c.params, 'workload.osl': osl } })));
    const pts = sweepPoints(three);
    expect(new Set(pts.map((p) => p.series))).toEqual(new Set(['kv, osl=200', 'kv, osl=1000', 'round-robin, osl=200', 'round-robin, osl=1000']));
    expect(new Set(sweepPoints(three, { series: null }).map((p) => p.series))).toEqual(new Set(['all']));
  });

  it('gives an exact CDF and thins long runs to the requested points', () => {
    const recs = [30, 10, 20, 40].map((t) => rec({ ttftMs: t }));
    expect(ttftCdfPoints(recs)).toEqual([
      { ttft_ms: 10, fraction: 0.25 },
      { ttft_ms: 20, fraction: 0.5 },
      { ttft_ms: 30, fraction: 0.75 },
      { ttft_ms: 40, fraction: 1 },
    ]);
    const many = Array.from({ length: 5000 }, (_, i) => rec({ ttftMs: i }));
    const thin = ttftCdfPoints(many, 100);
    expect(thin).toHaveLength(100);
    expect(thin[0]).toEqual({ ttft_ms: 0, fraction: 1 / 5000 });
    expect(thin[99]).toEqual({ ttft_ms: 4999, fraction: 1 });
  });

  it('counts requests and cached share per worker', () => {
    const rows = workerRows({
      name: 'x',
      records: [
        rec({ worker: 'w1', inputTokens: 100, cachedTokens: 50 }),
        rec({ worker: 'w1', inputTokens: 300, cachedTokens: 50 }),
        rec({ worker: 'w0', inputTokens: 100, cachedTokens: 0 }),
        rec({ worker: null }),
      ],
    });
    expect(rows.map((r) => [r.worker, r.requests, r.cached_share])).toEqual([
      ['w0', 1, 0],
      ['w1', 2, 0.25],
    ]);
  });
});

describe('legends and colours', () => {
  /** The text of every legend label in a rendered SVG. */
  function legendLabels(svg: string): string[] {
    const legend = svg.slice(svg.indexOf('role-legend'));
    return [...legend.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].replace(/&amp;/g, '&'));
  }
  /** Distinct stroke colours of the line marks. */
  function lineColours(svg: string): Set<string> {
    const lines = svg.split('class="mark-line').slice(1).map((part) => part.slice(0, part.indexOf('</g>')));
    return new Set(lines.flatMap((l) => [...l.matchAll(/stroke="(#[0-9a-fA-F]{6})"/g)].map((m) => m[1].toLowerCase())));
  }

  it('never truncates legend labels, so series that differ only at the end stay distinguishable', async () => {
    const long = 'mode=kv, prefixRatio=0.5, numWorkers=8, speculativePrefill=';
    const named = [`${long}true`, `${long}false`].map((name, i) => ({ name, records: genRecords({ seed: i }) }));
    for (const spec of [ttftCdfSpec(named), latencyOverTimeSpec(named), ttftPerTurnSpec(named.map((s) => ({ name: s.name, perTurn: perTurn(s.records) })))]) {
      expect(compileSpec(spec).warnings).toEqual([]);
      const labels = legendLabels(await renderSvg(spec));
      expect(labels).toContain(`${long}true`);
      expect(labels).toContain(`${long}false`);
      expect(labels.join('')).not.toContain('…');
    }
  });

  it('gives every series its own colour, beyond the ten of the default scheme', async () => {
    for (const n of [3, 12, 25]) {
      const many = Array.from({ length: n }, (_, i) => ({ name: `run ${i}`, records: genRecords({ seed: i, users: 2, turns: 2 }) }));
      expect(lineColours(await renderSvg(ttftCdfSpec(many))).size).toBe(n);
    }
  });
});
