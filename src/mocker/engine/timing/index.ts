/**
 * Timing models behind one interface (types.ts): the Dynamo mocker's polynomials (the default), a
 * measured table, and a roofline model of a model on a GPU with fitted corrections.
 */
export * from './types.ts';
export { DEFAULT_DECODE, DEFAULT_DECODE_MIN_MS, DEFAULT_PREFILL, DEFAULT_TIMING, kvUsage, polynomialTiming, type PolynomialTimingSpec, type Quadratic } from './polynomial.ts';
export { interpolate, tableTiming, type TablePoints, type TableTimingSpec } from './table.ts';
export {
  checkCoefficients,
  COEFFICIENT_NAMES,
  emptyBreakdown,
  meteredTiming,
  meterShares,
  RooflineTiming,
  STEP_FEATURES,
  type IdealParts,
  type RooflineCoefficients,
  type RooflineSpec,
  type StepBreakdown,
  type StepMeter,
} from './roofline.ts';
