/**
 * The simulated run's mean TTFT and mean decode span (E2E − TTFT) as LINEAR functions of the roofline
 * coefficients, holding the run's trajectory (which requests share which steps) fixed. Every step's
 * duration is Σ_k c_k · f_k (StepLog); a request's engine-side TTFT is the part of each step between
 * its arrival at the engine and its first token (the step it arrives in counts for the fraction still
 * to run; an idle engine starts at once), and its decode span is the steps after its first token up to
 * its last. So mean TTFT = frontendMs + Σ_k c_k · a_k and mean span = Σ_k c_k · b_k with a, b averaged
 * over the requests: the rows a fitter solves (fit.ts), re-simulating until the trajectory settles.
 */
import type { RequestRecord } from '../../core/records.ts';
import { COEFFICIENT_NAMES, STEP_FEATURES } from '../../mocker/engine/timing/roofline.ts';
import type { StepLog } from './step-log.ts';

/** Coefficients in COEFFICIENT_NAMES order (frontendMs last). */
export const N_COEFFICIENTS = COEFFICIENT_NAMES.length;

export interface LinearRun {
  /** Mean client TTFT = ttft · c (frontendMs included through ttft[N−1] = 1). */
  ttft: Float64Array;
  /** Mean decode span (E2E − TTFT) = span · c. */
  span: Float64Array;
  /** The simulated means themselves (for checks). */
  ttftMs: number;
  spanMs: number;
  requests: number;
}

/** Index of the step ending at `t` (within tolerance), by binary search over increasing end times. */
function stepEndingAt(log: StepLog, t: number): number {
  const i = firstEndAfter(log, t - 1e-6);
  if (i >= log.steps || Math.abs(log.endMs[i] - t) > 1e-6 * Math.max(1, Math.abs(t))) {
    throw new Error(`linearize: no step ends at ${t} ms (records and step log disagree)`);
  }
  return i;
}

/** First step whose end is after `t`. */
function firstEndAfter(log: StepLog, t: number): number {
  let lo = 0;
  let hi = log.steps;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (log.endMs[mid] > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Linear rows of a run of ONE engine: `records` are its finished requests (times relative to the
 * run's start at virtual time 0), `frontendMs` the latency they spent before reaching the engine.
 */
export function linearize(log: StepLog, records: readonly RequestRecord[], frontendMs: number): LinearRun {
  return linearizeGroups(log, records, frontendMs, () => 0, 1)[0];
}

/**
 * As `linearize`, one row pair per group of requests: `groupOf` puts a record in group 0..groups−1
 * (or null: left out). A group without a finished request throws.
 */
export function linearizeGroups(
  log: StepLog,
  records: readonly RequestRecord[],
  frontendMs: number,
  groupOf: (r: RequestRecord, index: number) => number | null,
  groups: number,
): LinearRun[] {
  log.check();
  const F = STEP_FEATURES;
  const n = log.steps;
  // Prefix sums of the feature rows: P[k] = Σ_{j<k} f_j.
  const P = new Float64Array((n + 1) * F);
  for (let k = 0; k < n; k++) for (let f = 0; f < F; f++) P[(k + 1) * F + f] = P[k * F + f] + log.features[k * F + f];
  const out = Array.from({ length: groups }, () => ({ ttft: new Float64Array(N_COEFFICIENTS), span: new Float64Array(N_COEFFICIENTS), ttftMs: 0, spanMs: 0, requests: 0 }));
  records.forEach((r, index) => {
    if (!r.ok || r.ttftMs === null || r.e2eMs === null) return;
    const g = groupOf(r, index);
    if (g === null) return;
    const o = out[g];
    const arrive = r.sentAtMs + frontendMs;
    const first = stepEndingAt(log, r.sentAtMs + r.ttftMs);
    const last = stepEndingAt(log, r.sentAtMs + r.e2eMs);
    // The step it arrived in: the first ending after its arrival; it waits for the part still to run.
    const k0 = firstEndAfter(log, arrive);
    const d0 = log.endMs[k0] - log.startMs[k0];
    const w0 = d0 > 0 ? Math.min(1, Math.max(0, (log.endMs[k0] - arrive) / d0)) : 1;
    for (let f = 0; f < F; f++) {
      o.ttft[f] += w0 * log.features[k0 * F + f] + P[(first + 1) * F + f] - P[(k0 + 1) * F + f];
      o.span[f] += P[(last + 1) * F + f] - P[(first + 1) * F + f];
    }
    o.ttftMs += r.ttftMs;
    o.spanMs += r.e2eMs - r.ttftMs;
    o.requests++;
  });
  for (const [g, o] of out.entries()) {
    if (o.requests === 0) throw new Error(`linearize: no finished request in group ${g} to fit on`);
    for (let f = 0; f < F; f++) {
      o.ttft[f] /= o.requests;
      o.span[f] /= o.requests;
    }
    o.ttft[N_COEFFICIENTS - 1] = 1; // frontendMs, paid once per request before the engine
    o.ttftMs /= o.requests;
    o.spanMs /= o.requests;
  }
  return out;
}
