/**
 * The same small experiment (src/lab/clock-agreement.ts) on the virtual and the real (embedded cluster)
 * clock agrees on what must hold on any machine, busy or not: no failures, the same ordering of router
 * modes (kv faster than round-robin), the real clock never faster than the virtual one beyond a small
 * tolerance (it adds real work the virtual clock does not count), and the same cache hit ratios up to
 * a small tolerance (routing follows the same KV events). How close the TTFTs are is a figure of the
 * bench (bench/suites/clock-agreement.ts), not asserted here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLOCK_AGREEMENT_MODES, runClockAgreement } from '../../src/lab/clock-agreement.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-clocks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Real TTFT may undershoot virtual by timer granularity only; 10 % is far above it. */
const REAL_UNDER_VIRTUAL = 0.1;
/** Cache hit ratios, absolute: a KV event arriving a request late changes a hit or two of 16. */
const HIT_RATIO_GAP = 0.1;

describe('virtual and real clocks', () => {
  it('agree on the ordering of router modes, real ≥ virtual TTFT, and cache hit ratios', { timeout: 120_000 }, async () => {
    const a = await runClockAgreement(root);
    for (const mode of CLOCK_AGREEMENT_MODES) {
      const v = a.virtual[mode];
      const r = a.real[mode];
      const what = `${mode}: virtual ${v.meanTtftMs.toFixed(1)} ms, real ${r.meanTtftMs.toFixed(1)} ms`;
      expect(v.failed, what).toBe(0);
      expect(r.failed, what).toBe(0);
      expect(r.requests).toBe(v.requests);
      expect(r.meanTtftMs, what).toBeGreaterThanOrEqual(v.meanTtftMs * (1 - REAL_UNDER_VIRTUAL));
      expect(v.cacheHitRatio).not.toBeNull();
      expect(Math.abs((r.cacheHitRatio as number) - (v.cacheHitRatio as number)), `${mode} hit ratio`).toBeLessThanOrEqual(HIT_RATIO_GAP);
    }
    for (const clock of ['virtual', 'real'] as const) {
      expect(a[clock].kv.meanTtftMs, `${clock} TTFT`).toBeLessThan(a[clock]['round-robin'].meanTtftMs);
      expect(a[clock].kv.cacheHitRatio as number, `${clock} hit ratio`).toBeGreaterThan(a[clock]['round-robin'].cacheHitRatio as number);
    }
  });
});
