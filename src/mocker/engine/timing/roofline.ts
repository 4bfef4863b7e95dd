/**
 * A roofline step-time model with fitted corrections: what one engine step costs on a given GPU for a
 * given model, from the step's batch. The ideal (physics) and the correction (fit) are kept apart:
 * `idealParts` computes ideal times from FLOPs and bytes; the coefficients scale and add to them.
 *
 * Per step, on one GPU of a tensor-parallel group of `tp` (every figure below is per GPU):
 * - linear layers: FLOPs 2·N·(dense params + MoE layers · active experts · expert params)/tp plus the
 *   LM head for the E rows that produce logits; bytes = the weights the step touches (all dense
 *   weights and the LM head; of the routed experts, the expected number of distinct experts the step's
 *   N tokens select, E_x·(1 − (1 − k/E_x)^N) per MoE layer). Time = max(computeScale · compute,
 *   memoryScale · bytes) — compute-bound for prefill chunks, weight-bound for decode batches.
 * - activations: N tokens' elementwise traffic (norms, residuals, activation functions) at memory
 *   speed; it does not overlap the GEMMs.
 * - attention, per request with t new tokens over s tokens already in its context (the cached prefix
 *   included): FLOPs 4·heads·headDim·layers·(t·s + t(t+1)/2) (causal), bytes (s + t) · KV bytes per
 *   token (read the context, write the new tokens); time = max(attentionScale · compute, kvScale ·
 *   bytes), summed over requests. Sliding-window layers attend over at most the window. KV reads have
 *   their own scale: paged blocks are gathered, not streamed like weights.
 * - tensor parallelism: 2 all-reduces per layer of N·hidden activations (ring: 2(tp−1)/tp of the bytes
 *   over the interconnect, at memory efficiency) plus `allReduceMs` of latency each.
 * - overheads a pure roofline misses: `stepOverheadMs` per step (scheduling, launch), `requestOverheadMs`
 *   per request admitted in the step, `tokenOverheadMs` per output token (sampling, detokenizing,
 *   streaming); `frontendMs` per request outside the engine (API server, network), added by drivers.
 *
 * Approximations: per-request attention kernels summed (a real kernel batches them); activation traffic
 * from a per-token byte count, not per kernel; all-reduce as an ideal ring; no CUDA-graph padding of
 * decode batches; weights and KV evenly split over the TP group (KV heads replicated when fewer than tp).
 */
import type { StepBatch, StepTime, TimingModel } from './types.ts';

/** The numbers of one deployment (model × GPU × tensor parallelism) the roofline needs. Whole-model counts unless named per GPU. */
export interface RooflineSpec {
  /** Tensor-parallel degree. */
  tp: number;
  layers: number;
  hidden: number;
  /** Attention heads and KV heads on one GPU (after tensor parallelism), and their dimension. */
  headsPerGpu: number;
  kvHeadsPerGpu: number;
  headDim: number;
  /** Layers with a sliding attention window, and the window in tokens (0 layers: none). */
  slidingLayers: number;
  slidingWindow: number;
  /** Linear-layer parameters every token goes through: attention projections, dense MLPs, shared experts, routers. */
  denseParams: number;
  /** LM head parameters (hidden × vocab): multiplied only for rows that produce logits. */
  lmHeadParams: number;
  /** MoE layers, routed experts per MoE layer, experts per token, parameters of one routed expert. */
  moeLayers: number;
  experts: number;
  activeExperts: number;
  expertParams: number;
  /** Bytes of the weights every step reads (dense linear layers and the LM head, not the input embeddings) and of one routed expert. */
  denseWeightBytes: number;
  expertWeightBytes: number;
  /** Elementwise activation traffic per token on one GPU, bytes. */
  activationBytesPerToken: number;
  /** KV bytes per token on one GPU (all layers, K and V). */
  kvBytesPerTokenPerGpu: number;
  /** Activation element bytes (2 for bf16). */
  activationElementBytes: number;
  /** Peak dense FLOP/s of one GPU for the linear layers (FP8 when the weights are fp8) and for attention (BF16). */
  gemmFlops: number;
  attentionFlops: number;
  /** HBM bytes/s of one GPU, and interconnect bytes/s per direction. */
  memoryBandwidth: number;
  linkBandwidth: number;
}

/** The fitted corrections (see the module comment). Scales are ≥ 0 multipliers of ideal times; overheads are ms. */
export interface RooflineCoefficients {
  computeScale: number;
  memoryScale: number;
  kvScale: number;
  attentionScale: number;
  stepOverheadMs: number;
  requestOverheadMs: number;
  tokenOverheadMs: number;
  allReduceMs: number;
  frontendMs: number;
}

/** Coefficient names in a fixed order: the order of `features`' vector (frontendMs last, outside the engine). */
export const COEFFICIENT_NAMES = [
  'computeScale',
  'memoryScale',
  'kvScale',
  'attentionScale',
  'stepOverheadMs',
  'requestOverheadMs',
  'tokenOverheadMs',
  'allReduceMs',
  'frontendMs',
] as const satisfies readonly (keyof RooflineCoefficients)[];

/** Number of step features (every coefficient but frontendMs). */
export const STEP_FEATURES = COEFFICIENT_NAMES.length - 1;

// Positions in the feature vector (COEFFICIENT_NAMES order).
const F_COMPUTE = 0;
const F_MEMORY = 1;
const F_KV = 2;
const F_ATTENTION = 3;
const F_STEP = 4;
const F_REQUEST = 5;
const F_TOKEN = 6;
const F_ALLREDUCE = 7;

/** Ideal times of one step's parts, ms (before coefficients). */
export interface IdealParts {
  /** Linear layers: compute-bound and weight-bound times. */
  gemmCompute: number;
  gemmMemory: number;
  activations: number;
  /** All-reduce bandwidth time, and number of all-reduces. */
  allReduceBandwidth: number;
  allReduces: number;
  /** Rows producing logits, and requests admitted. */
  emits: number;
  admitted: number;
}

/** Where a step's time went, ms (coefficients applied; parts sum to the step time). */
export interface StepBreakdown {
  /** Linear layers when compute-bound, and when bound by reading weights. */
  gemmCompute: number;
  weightRead: number;
  activations: number;
  /** Attention: compute-bound requests (prefill chunks) and KV-read-bound ones (decodes). */
  attentionCompute: number;
  kvRead: number;
  allReduce: number;
  overhead: number;
}

const MS = 1e3;

export function emptyBreakdown(): StepBreakdown {
  return { gemmCompute: 0, weightRead: 0, activations: 0, attentionCompute: 0, kvRead: 0, allReduce: 0, overhead: 0 };
}

/**
 * The roofline model of one deployment. `stepTime` is the engine's hook; `features` and `breakdown`
 * give the same step time as a linear function of the coefficients (for fitting) and by part (for reports).
 */
export class RooflineTiming implements TimingModel {
  readonly kind = 'roofline';
  readonly frontendMs: number;
  private readonly c: RooflineCoefficients;
  private readonly parts: IdealParts = { gemmCompute: 0, gemmMemory: 0, activations: 0, allReduceBandwidth: 0, allReduces: 0, emits: 0, admitted: 0 };
  // Per-token and per-request constants, precomputed.
  private readonly gemmFlopsPerToken: number;
  private readonly lmHeadFlopsPerRow: number;
  private readonly attnFlopsPerPair: number;
  private readonly fullLayers: number;

  constructor(
    readonly spec: Readonly<RooflineSpec>,
    coefficients: Readonly<RooflineCoefficients>,
  ) {
    checkSpec(spec);
    checkCoefficients(coefficients);
    this.c = { ...coefficients };
    this.frontendMs = coefficients.frontendMs;
    const s = spec;
    this.gemmFlopsPerToken = (2 * (s.denseParams + s.moeLayers * s.activeExperts * s.expertParams)) / s.tp;
    this.lmHeadFlopsPerRow = (2 * s.lmHeadParams) / s.tp;
    // Q·Kᵀ and P·V: 2 FLOPs per multiply-add, 2 matmuls, per head dimension, per head, per layer.
    this.attnFlopsPerPair = 4 * s.headsPerGpu * s.headDim;
    this.fullLayers = s.layers - s.slidingLayers;
  }

  get coefficients(): Readonly<RooflineCoefficients> {
    return this.c;
  }

  stepTime(batch: StepBatch, out: StepTime): void {
    const total = this.timeOf(batch, false);
    if (batch.decodeSeqs === 0) {
      out.prefillMs = total;
      out.decodeMs = 0;
      return;
    }
    if (batch.decodeSeqs === batch.size) {
      out.prefillMs = 0;
      out.decodeMs = total;
      return;
    }
    const decode = this.timeOf(batch, true);
    out.decodeMs = decode;
    out.prefillMs = Math.max(0, total - decode);
  }

  /**
   * The step's time as Σ coefficient · feature (frontendMs excluded), with each max() resolved the way
   * the current coefficients resolve it: `out[k]` is the feature of COEFFICIENT_NAMES[k]. Returns the step time.
   */
  features(batch: StepBatch, out: Float64Array): number {
    out.fill(0, 0, STEP_FEATURES);
    const c = this.c;
    const p = this.ideal(batch, false);
    if (c.computeScale * p.gemmCompute >= c.memoryScale * p.gemmMemory) out[F_COMPUTE] += p.gemmCompute;
    else out[F_MEMORY] += p.gemmMemory;
    out[F_MEMORY] += p.activations + p.allReduceBandwidth;
    const n = batch.size;
    for (let i = 0; i < n; i++) {
      const ac = this.attentionCompute(batch.newTokens[i], batch.contextTokens[i]);
      const am = this.kvBytesTime(batch.newTokens[i], batch.contextTokens[i]);
      if (c.attentionScale * ac >= c.kvScale * am) out[F_ATTENTION] += ac;
      else out[F_KV] += am;
    }
    out[F_STEP] = 1;
    out[F_REQUEST] = p.admitted;
    out[F_TOKEN] = p.emits;
    out[F_ALLREDUCE] = p.allReduces;
    let t = 0;
    for (let k = 0; k < STEP_FEATURES; k++) t += out[k] * this.c[COEFFICIENT_NAMES[k]];
    return t;
  }

  /** Add the step's time, by part, to `acc`; returns the step time. */
  breakdown(batch: StepBatch, acc: StepBreakdown): number {
    const c = this.c;
    const p = this.ideal(batch, false);
    const gc = c.computeScale * p.gemmCompute;
    const gm = c.memoryScale * p.gemmMemory;
    if (gc >= gm) acc.gemmCompute += gc;
    else acc.weightRead += gm;
    acc.activations += c.memoryScale * p.activations;
    let attention = 0;
    for (let i = 0; i < batch.size; i++) {
      const ac = c.attentionScale * this.attentionCompute(batch.newTokens[i], batch.contextTokens[i]);
      const am = c.kvScale * this.kvBytesTime(batch.newTokens[i], batch.contextTokens[i]);
      if (ac >= am) acc.attentionCompute += ac;
      else acc.kvRead += am;
      attention += Math.max(ac, am);
    }
    const allReduce = c.memoryScale * p.allReduceBandwidth + c.allReduceMs * p.allReduces;
    acc.allReduce += allReduce;
    const overhead = c.stepOverheadMs + c.requestOverheadMs * p.admitted + c.tokenOverheadMs * p.emits;
    acc.overhead += overhead;
    return Math.max(gc, gm) + c.memoryScale * p.activations + attention + allReduce + overhead;
  }

  /** The step's time (decodeOnly: as if only its decoding requests ran). */
  private timeOf(batch: StepBatch, decodeOnly: boolean): number {
    const c = this.c;
    const p = this.ideal(batch, decodeOnly);
    let t = Math.max(c.computeScale * p.gemmCompute, c.memoryScale * p.gemmMemory);
    t += c.memoryScale * (p.activations + p.allReduceBandwidth) + c.allReduceMs * p.allReduces;
    for (let i = 0; i < batch.size; i++) {
      if (decodeOnly && batch.decoding[i] === 0) continue;
      const tn = batch.newTokens[i];
      const s = batch.contextTokens[i];
      t += Math.max(c.attentionScale * this.attentionCompute(tn, s), c.kvScale * this.kvBytesTime(tn, s));
    }
    return t + c.stepOverheadMs + c.requestOverheadMs * p.admitted + c.tokenOverheadMs * p.emits;
  }

  /** Ideal times of the batch-wide parts (decodeOnly: of its decoding requests alone). */
  private ideal(batch: StepBatch, decodeOnly: boolean): IdealParts {
    const s = this.spec;
    let tokens = 0;
    let emits = 0;
    for (let i = 0; i < batch.size; i++) {
      if (decodeOnly && batch.decoding[i] === 0) continue;
      tokens += batch.newTokens[i];
      emits += batch.emits[i];
    }
    const p = this.parts;
    p.gemmCompute = ((tokens * this.gemmFlopsPerToken + emits * this.lmHeadFlopsPerRow) / s.gemmFlops) * MS;
    let touched = 0;
    if (s.moeLayers > 0 && tokens > 0) touched = s.experts * (1 - Math.pow(1 - s.activeExperts / s.experts, tokens));
    p.gemmMemory = ((s.denseWeightBytes + s.moeLayers * touched * s.expertWeightBytes) / s.tp / s.memoryBandwidth) * MS;
    p.activations = ((tokens * s.activationBytesPerToken) / s.memoryBandwidth) * MS;
    if (s.tp > 1) {
      p.allReduces = 2 * s.layers;
      const bytes = tokens * s.hidden * s.activationElementBytes;
      p.allReduceBandwidth = ((p.allReduces * ((2 * (s.tp - 1)) / s.tp) * bytes) / s.linkBandwidth) * MS;
    } else {
      p.allReduces = 0;
      p.allReduceBandwidth = 0;
    }
    p.emits = emits;
    p.admitted = decodeOnly ? 0 : batch.admitted;
    return p;
  }

  /** Ideal attention compute time, ms, of t new tokens over s context tokens. */
  private attentionCompute(t: number, s: number): number {
    const spec = this.spec;
    // Σ over the t new tokens of the keys each attends to: t·s + t(t+1)/2 (causal).
    let pairs = this.fullLayers * (t * s + (t * (t + 1)) / 2);
    if (spec.slidingLayers > 0) pairs += spec.slidingLayers * t * Math.min(s + (t + 1) / 2, spec.slidingWindow);
    return ((pairs * this.attnFlopsPerPair) / spec.attentionFlops) * MS;
  }

  /** Ideal time, ms, to read the context's KV and write the new tokens' KV. */
  private kvBytesTime(t: number, s: number): number {
    const spec = this.spec;
    let tokens = s + t;
    if (spec.slidingLayers > 0) {
      // Sliding layers hold at most the window: scale their share of the KV bytes.
      const share = spec.slidingLayers / spec.layers;
      tokens = (1 - share) * (s + t) + share * Math.min(s + t, spec.slidingWindow);
    }
    return ((tokens * spec.kvBytesPerTokenPerGpu) / spec.memoryBandwidth) * MS;
  }
}

/** A step-time meter: the parts summed over every step timed, and the steps. */
export interface StepMeter {
  parts: StepBreakdown;
  steps: number;
}

/** The same timing as `model`, adding every step's parts to `meter` (for reports; costs a second pass per step). */
export function meteredTiming(model: RooflineTiming, meter: StepMeter): TimingModel {
  return {
    kind: model.kind,
    frontendMs: model.frontendMs,
    stepTime(batch: StepBatch, out: StepTime): void {
      model.stepTime(batch, out);
      model.breakdown(batch, meter.parts);
      meter.steps++;
    },
  };
}

/** Each part's share of the metered time (0..1), the engine seconds and the steps. */
export function meterShares(meter: StepMeter): Record<keyof StepBreakdown, number> & { engine_s: number; steps: number } {
  const total = Object.values(meter.parts).reduce((a, b) => a + b, 0);
  const shares = Object.fromEntries(Object.entries(meter.parts).map(([k, v]) => [k, total > 0 ? v / total : 0])) as Record<keyof StepBreakdown, number>;
  return { ...shares, engine_s: total / 1000, steps: meter.steps };
}

function checkSpec(s: RooflineSpec): void {
  const positive = ['tp', 'layers', 'hidden', 'headsPerGpu', 'kvHeadsPerGpu', 'headDim', 'denseWeightBytes', 'kvBytesPerTokenPerGpu', 'activationElementBytes', 'gemmFlops', 'attentionFlops', 'memoryBandwidth', 'linkBandwidth'] as const;
  for (const k of positive) {
    if (!(Number.isFinite(s[k]) && s[k] > 0)) throw new RangeError(`roofline spec ${k} must be a positive number, got ${String(s[k])}`);
  }
  const nonNegative = ['slidingLayers', 'slidingWindow', 'denseParams', 'lmHeadParams', 'moeLayers', 'experts', 'activeExperts', 'expertParams', 'expertWeightBytes', 'activationBytesPerToken'] as const;
  for (const k of nonNegative) {
    if (!(Number.isFinite(s[k]) && s[k] >= 0)) throw new RangeError(`roofline spec ${k} must be a number ≥ 0, got ${String(s[k])}`);
  }
  if (s.moeLayers > 0 && !(s.experts >= 1 && s.activeExperts >= 1 && s.activeExperts <= s.experts)) {
    throw new RangeError(`roofline spec: a MoE model needs 1 ≤ activeExperts (${s.activeExperts}) ≤ experts (${s.experts})`);
  }
  if (s.slidingLayers > s.layers) throw new RangeError(`roofline spec slidingLayers (${s.slidingLayers}) exceeds layers (${s.layers})`);
}

export function checkCoefficients(c: RooflineCoefficients): void {
  for (const k of COEFFICIENT_NAMES) {
    const v = c[k];
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw new RangeError(`roofline coefficient ${k} must be a number ≥ 0, got ${String(v)}`);
  }
}
