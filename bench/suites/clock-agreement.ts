/**
 * Benchmark — virtual vs real clock agreement: the clock-agreement experiment (src/lab/clock-agreement.ts)
 * on both clocks, per router mode the relative gap of real mean TTFT from virtual, |real − virtual| /
 * virtual (target < 15 %: the virtual clock predicts what an embedded cluster measures). The test
 * (test/lab/clock-agreement.test.ts) checks only what holds on a busy machine; this is the tight figure.
 */
import { join } from 'node:path';
import { CLOCK_AGREEMENT_EXPERIMENT, CLOCK_AGREEMENT_MODES, runClockAgreement, type ClockAgreement } from '../../src/lab/clock-agreement.ts';
import { makeFigure, repetitions } from '../lib/figure.ts';
import { inTempDir } from '../lib/temp-dir.ts';
import type { Suite } from '../lib/types.ts';

export const clockAgreement: Suite = {
  id: 'clock-agreement',
  title: 'Virtual vs real clock: mean TTFT per router mode',
  async run(opts, log) {
    const runs = repetitions(opts, 1, 3);
    const results: ClockAgreement[] = [];
    await inTempDir('kvlab-bench-clocks-', async (root) => {
      for (let i = 0; i < runs; i++) {
        const a = await runClockAgreement(join(root, String(i)));
        log(`run ${i + 1}: ${CLOCK_AGREEMENT_MODES.map((m) => `${m} virtual ${a.virtual[m].meanTtftMs.toFixed(1)} ms, real ${a.real[m].meanTtftMs.toFixed(1)} ms`).join('; ')}`);
        results.push(a);
      }
    });
    const gap = (a: ClockAgreement, m: (typeof CLOCK_AGREEMENT_MODES)[number]) => (100 * Math.abs(a.real[m].meanTtftMs - a.virtual[m].meanTtftMs)) / a.virtual[m].meanTtftMs;
    const figures = CLOCK_AGREEMENT_MODES.map((m) =>
      makeFigure({
        id: `clocks.${m}_ttft_gap_pct`,
        name: `real vs virtual mean TTFT gap (${m})`,
        unit: '%',
        values: results.map((a) => gap(a, m)),
        target: { on: 'value', op: '<', limit: 15 },
        note: 'embedded cluster, 3 workers, engine slowed 20x, one request at a time',
      }),
    );
    return { figures, config: { runs, experiment: CLOCK_AGREEMENT_EXPERIMENT } };
  },
};
