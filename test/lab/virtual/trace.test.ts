import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildTrace, DEFAULT_TRACE_FILE, parseTraceJsonl } from '../../../src/client/workloads/index.ts';
import { runVirtual } from '../../../src/lab/virtual/index.ts';
import { cluster } from './helpers.ts';

// The first 120 requests of the Mooncake trace (~1.5 M prompt tokens, ~25 s of traffic).
const rows = parseTraceJsonl(readFileSync(DEFAULT_TRACE_FILE, 'utf8').split('\n').slice(0, 120).join('\n'));

describe('virtual cluster on the Mooncake trace', () => {
  it('replays every request at its timestamp, and kv routing reuses more of the shared prefixes than random', () => {
    const w = buildTrace({}, { rows });
    const run = (mode: 'kv' | 'random') =>
      runVirtual({ workload: w, cluster: cluster({ numWorkers: 4, engine: { maxModelLen: 262_144 }, router: { mode } }), seed: 2 });
    const kv = run('kv');
    expect(kv.records).toHaveLength(120);
    expect(kv.records.every((r) => r.ok)).toBe(true);
    const byRow = new Map(kv.records.map((r) => [r.tags?.traceRow, r]));
    rows.forEach((row, i) => {
      const r = byRow.get(i)!;
      expect(r.sentAtMs).toBe(row.timestamp);
      expect(r.outputTokens).toBe(row.output_length);
      expect(r.inputTokens).toBe(row.input_length + 7); // one user message + the chat template
    });
    const cached = (res: typeof kv) => res.records.reduce((s, r) => s + (r.cachedTokens ?? 0), 0);
    expect(cached(kv)).toBeGreaterThan(cached(run('random')));
    expect(kv.durationMs).toBeGreaterThanOrEqual(rows[rows.length - 1].timestamp);
  });
});
