/**
 * The default timing model: the Dynamo mocker's fitted curves for a vLLM worker.
 *   prefill = c2·T² + c1·T + c0 for T new (uncached) tokens in the step (0 when T = 0);
 *   decode  = max(decodeMinMs, c2·p² + c1·p + c0) with p = held KV tokens / capacity tokens (0 when
 *             nothing decodes).
 *
 * Approximation: each part is a function of one number. The context a prefill attends over, the
 * batch's composition, the model and the GPU are all folded into the fit — which is why kvlab also has
 * a roofline model (roofline.ts).
 */
import type { StepBatch, StepTime, TimingModel } from './types.ts';

/** Coefficients [c2, c1, c0] of c2·x² + c1·x + c0. */
export type Quadratic = readonly [number, number, number];

export interface PolynomialTimingSpec {
  prefill: Quadratic;
  decode: Quadratic;
  /** Floor of a decode step, ms (default 1). */
  decodeMinMs?: number;
}

/** Dynamo mocker's fitted prefill curve (ms for T new tokens). */
export const DEFAULT_PREFILL: Quadratic = Object.freeze([4.209989e-7, 1.518344e-2, 16.50142]) as unknown as Quadratic;
/** Dynamo mocker's fitted decode curve (ms at KV usage p). */
export const DEFAULT_DECODE: Quadratic = Object.freeze([-25.74, 54.01, 5.74]) as unknown as Quadratic;
export const DEFAULT_DECODE_MIN_MS = 1;

/** KV usage 0..1 of a batch (0 with no capacity). */
export function kvUsage(batch: StepBatch): number {
  return batch.capacityTokens > 0 ? batch.heldKvTokens / batch.capacityTokens : 0;
}

export function polynomialTiming(spec: PolynomialTimingSpec): TimingModel {
  const [p2, p1, p0] = spec.prefill;
  const [d2, d1, d0] = spec.decode;
  const minMs = spec.decodeMinMs ?? DEFAULT_DECODE_MIN_MS;
  return {
    kind: 'polynomial',
    stepTime(batch: StepBatch, out: StepTime): void {
      const t = batch.prefillTokens;
      out.prefillMs = t > 0 ? Math.max(0, (p2 * t + p1) * t + p0) : 0;
      if (batch.decodeSeqs > 0) {
        const p = kvUsage(batch);
        out.decodeMs = Math.max(minMs, (d2 * p + d1) * p + d0);
      } else {
        out.decodeMs = 0;
      }
    },
  };
}

/** The engine's default model: Dynamo mocker's polynomials. */
export const DEFAULT_TIMING: TimingModel = Object.freeze(
  polynomialTiming({ prefill: DEFAULT_PREFILL, decode: DEFAULT_DECODE, decodeMinMs: DEFAULT_DECODE_MIN_MS }),
);
