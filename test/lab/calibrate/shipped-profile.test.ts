/**
 * The shipped roofline profile still predicts the real vLLM runs it was fitted on (data/vllm-real),
 * simulated here with every load stage shortened to a quarter (the same rates). A guard for the
 * engine's timing: a change to the scheduler or the roofline that moves these predictions shows up
 * here — re-fit the profile and update the README's accuracy table then (kvlab calibrate --report).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accuracyOf, predictionOf } from '../../../src/lab/calibrate/accuracy.ts';
import { measuredCases } from '../../../src/lab/calibrate/measured-cases.ts';
import { parseMeasurements } from '../../../src/lab/calibrate/measurements.ts';
import { loadRooflineProfile } from '../../../src/lab/predict/profile.ts';

const FILE = join(import.meta.dirname, '..', '..', '..', 'data', 'vllm-real', 'calibration.json');

describe('the shipped roofline profile', () => {
  it('predicts the 15 real vLLM runs it was fitted on: median error under 8 % (TTFT) and 5 % (E2E, ITL)', () => {
    const m = parseMeasurements(JSON.parse(readFileSync(FILE, 'utf8')), FILE);
    const { coefficients } = loadRooflineProfile();
    const cases = measuredCases(m, { durationScale: 0.25 });
    const acc = accuracyOf(cases.map((c) => predictionOf(c, c.run(coefficients), coefficients)));
    expect(acc.ttft.medianApe).toBeLessThan(0.08);
    expect(acc.e2e.medianApe).toBeLessThan(0.05);
    expect(acc.itl.medianApe).toBeLessThan(0.05);
    for (const p of acc.predictions) expect(p.e2e.predicted / p.e2e.measured, p.id).toBeGreaterThan(0.8);
  }, 120_000);
});
