import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoHeadlines, renderHeadlines, runDemo } from '../../src/lab/demo.ts';
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

describe('runDemo', () => {
  it('runs both experiments and writes one report over all their cells', { timeout: 60_000 }, async () => {
    const r = await runDemo({ clock: 'virtual', outDir: root, png: false });
    expect(r.interrupted).toBe(false);
    expect(r.reportPath).toBe(join(root, 'report.html'));
    expect(readFileSync(r.reportPath!, 'utf8')).toContain('<html');
    const summary = JSON.parse(readFileSync(join(root, 'summary.json'), 'utf8'));
    expect(summary.cells).toHaveLength(12);
    expect(new Set(summary.cells.map((c: any) => c.params.experiment))).toEqual(new Set(['prefix-ratio-sweep', 'speculative-prefill']));
    for (const c of summary.cells) expect(readFileSync(join(root, c.runDir, 'run.json'), 'utf8')).toContain('"tool": "kvlab"');
    expect(r.headlines.prefixRatios.map((x) => x.ratio)).toEqual([0.1, 0.3, 0.5, 0.7, 0.9]);
    for (const x of r.headlines.prefixRatios) {
      expect(x.kvTtftMs).toBeGreaterThan(0);
      expect(x.roundRobinTtftMs).toBeGreaterThan(0);
    }
    const last = r.headlines.prefixRatios.at(-1)!;
    expect(last.kvTtftMs!).toBeLessThan(last.roundRobinTtftMs!);
    expect(r.headlines.speculative.withMs!).toBeLessThan(r.headlines.speculative.withoutMs!);
  });
});
