import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clockPairs, demoHeadlines, renderClockPairs, renderHeadlines, runDemo } from '../../src/lab/demo.ts';
import { cellEntry, type CellEntry } from '../../src/lab/experiment-summary.ts';
import { summarize } from '../../src/core/summary.ts';
import type { RequestRecord } from '../../src/core/records.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-demo-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function rec(turn: number, ttftMs: number): RequestRecord {
  return { conversationId: 'c', turn, sentAtMs: 0, ttftMs, e2eMs: ttftMs + 10, tpotMs: null, inputTokens: 10, outputTokens: 1, cachedTokens: 0, worker: 'worker-0', ok: true, error: null };
}

function cell(params: Record<string, unknown>, records: RequestRecord[]): CellEntry {
  return cellEntry(params, 'x', summarize(records), records, false, 'virtual');
}

describe('demo headlines', () => {
  it('pairs kv and round-robin mean TTFT per ratio and compares turns 2+ with and without speculative prefill', () => {
    const h = demoHeadlines(
      [
        cell({ 'workload.prefixRatio': 0.9, 'router.mode': 'kv' }, [rec(1, 10), rec(1, 20)]),
        cell({ 'workload.prefixRatio': 0.9, 'router.mode': 'round-robin' }, [rec(1, 40)]),
        cell({ 'workload.prefixRatio': 0.1, 'router.mode': 'kv' }, [rec(1, 50)]),
      ],
      [
        cell({ 'workload.speculativePrefill': false }, [rec(1, 100), rec(2, 30), rec(3, 50)]),
        cell({ 'workload.speculativePrefill': true }, [rec(1, 100), rec(2, 20)]),
      ],
    );
    expect(h.prefixRatios).toEqual([
      { ratio: 0.1, kvTtftMs: 50, roundRobinTtftMs: null },
      { ratio: 0.9, kvTtftMs: 15, roundRobinTtftMs: 40 },
    ]);
    expect(h.speculative).toEqual({ withoutMs: 40, withMs: 20 });
    const text = renderHeadlines(h).join('\n');
    expect(text).toMatch(/0\.9\s+15\.0\s+40\.0\s+25\.0/);
    expect(text).toMatch(/with speculative prefill\s+20\.0 \(-50\.0 %\)/);
  });
});

describe('two-clock pairs', () => {
  it('pairs cells by parameters, compares the experiment\'s metric and flags disagreement over 15 %', () => {
    const v = [cell({ 'workload.prefixRatio': 0.9, 'router.mode': 'kv' }, [rec(1, 100)]), cell({ 'workload.prefixRatio': 0.9, 'router.mode': 'round-robin' }, [rec(1, 200)])];
    const r = [cell({ 'workload.prefixRatio': 0.9, 'router.mode': 'kv' }, [rec(1, 110)]), cell({ 'workload.prefixRatio': 0.9, 'router.mode': 'round-robin' }, [rec(1, 150)])];
    const pairs = clockPairs('prefix-ratio-sweep', v, r);
    expect(pairs.map((p) => [p.virtualMs, p.realMs])).toEqual([[100, 110], [200, 150]]);
    expect(pairs[0].difference).toBeCloseTo(0.1, 9);
    const text = renderClockPairs(pairs).join('\n');
    expect(text).toMatch(/prefixRatio=0\.9 mode=kv \(TTFT\)\s+100\.0\s+110\.0\s+10 % ✓/);
    expect(text).toMatch(/mode=round-robin \(TTFT\)\s+200\.0\s+150\.0\s+25 % ✗/);
    expect(text).toMatch(/kv faster than round-robin at ratio 0\.9: virtual yes, real yes/);
    expect(text).toMatch(/1 of 2 cells agree within 15 %/);
    expect(pairs[0].realEngineMs).toBeNull(); // no engine timing in these records
    expect(text).not.toMatch(/real engines' own TTFT .* agrees/);
    const spec = clockPairs('speculative-prefill', [cell({ 'workload.speculativePrefill': true }, [rec(1, 500), rec(2, 40)])], [cell({ 'workload.speculativePrefill': true }, [rec(1, 900), rec(2, 44)])]);
    expect(spec[0]).toMatchObject({ metric: 'turns 2+ TTFT', virtualMs: 40, realMs: 44 });
    const both = [...spec, ...clockPairs('speculative-prefill', [cell({ 'workload.speculativePrefill': false }, [rec(2, 50)])], [cell({ 'workload.speculativePrefill': false }, [rec(2, 41)])])];
    expect(renderClockPairs(both).join('\n')).toMatch(/speculative prefill lowers turns 2\+ TTFT: virtual yes, real NO/);
  });
});

describe('two-clock pairs, the engines\' own TTFT', () => {
  const timed = (ttftMs: number, overheadMs: number): RequestRecord => ({ ...rec(1, ttftMs), servingOverheadMs: overheadMs });
  const real = (records: RequestRecord[]): CellEntry => cellEntry({ 'workload.prefixRatio': 0.5, 'router.mode': 'kv' }, 'x', summarize(records), records, false, 'real');
  const virtual = [cell({ 'workload.prefixRatio': 0.5, 'router.mode': 'kv' }, [rec(1, 80), rec(1, 80)])];

  it('subtracts the serving overhead from the real TTFT and judges that against the virtual clock too', () => {
    const [p] = clockPairs('prefix-ratio-sweep', virtual, [real([timed(110, 30), timed(90, 10)])]);
    expect(p.realMs).toBe(100);
    expect(p.difference).toBeCloseTo(0.25, 9);
    expect(p.realEngineMs).toBe(80);
    expect(p.engineDifference).toBe(0);
    const text = renderClockPairs([p]).join('\n');
    expect(text).toMatch(/mode=kv \(TTFT\)\s+80\.0\s+100\.0\s+25 % ✗\s+80\.0\s+0 % ✓/);
    expect(text).toMatch(/0 of 1 cells agree within 15 %/);
    expect(text).toMatch(/engines' own TTFT .* agrees with the virtual clock within 15 % in 1 of 1 cells: what the clocks differ by beyond that is the serving path/);
  });

  it("judges turns 2+ of speculative prefill by the engines' own TTFT of those turns", () => {
    const t = (turn: number, ttftMs: number, overheadMs: number): RequestRecord => ({ ...rec(turn, ttftMs), servingOverheadMs: overheadMs });
    const v = [cell({ 'workload.speculativePrefill': true }, [rec(1, 500), rec(2, 40)])];
    const r = [cellEntry({ 'workload.speculativePrefill': true }, 'x', summarize([]), [t(1, 900, 400), t(2, 50, 12), t(3, 46, 4)], false, 'real')];
    const [p] = clockPairs('speculative-prefill', v, r);
    expect(p.realMs).toBe(48);
    expect(p.realEngineMs).toBe(40);
    expect(p.engineDifference).toBe(0);
  });

  it('leaves the engines\' figure unknown when some request came without the engine\'s timing', () => {
    const [p] = clockPairs('prefix-ratio-sweep', virtual, [real([timed(110, 30), rec(1, 90)])]);
    expect(p.realEngineMs).toBeNull();
    expect(p.engineDifference).toBeNull();
  });
});

describe('runDemo', () => {
  it('runs the finding on the virtual clock and writes one report leading with its headline', { timeout: 120_000 }, async () => {
    const r = await runDemo({ realCheck: false, outDir: root, png: false });
    expect(r.interrupted).toBe(false);
    expect(r.pairs).toEqual([]);
    expect(r.reportPath).toBe(join(root, 'report.html'));
    const html = readFileSync(r.reportPath!, 'utf8');
    expect(html).toContain('<html');
    expect(html).toMatch(/class="lead">The finding \(virtual clock, the shipped experiments\):/);
    const summary = JSON.parse(readFileSync(join(root, 'summary.json'), 'utf8'));
    expect(summary.cells).toHaveLength(12);
    expect(new Set(summary.cells.map((c: any) => c.params.experiment))).toEqual(new Set(['prefix-ratio-sweep', 'speculative-prefill']));
    for (const c of summary.cells) expect(readFileSync(join(root, c.runDir, 'run.json'), 'utf8')).toContain('"tool": "kvlab"');
    expect(r.headlines.prefixRatios.map((x) => x.ratio)).toEqual([0.1, 0.3, 0.5, 0.7, 0.9]);
    const last = r.headlines.prefixRatios.at(-1)!;
    expect(last.kvTtftMs!).toBeLessThan(last.roundRobinTtftMs!);
    expect(r.headlines.speculative.withMs!).toBeLessThan(r.headlines.speculative.withoutMs!);
  });
});
