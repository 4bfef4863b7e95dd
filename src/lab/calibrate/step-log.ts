/**
 * A step-level log of one engine in virtual time, for fitting: each step's start and end and its
 * roofline features (RooflineTiming.features: the step time as Σ coefficient · feature, with every
 * max() resolved the way the current coefficients resolve it). `loggingTiming` wraps the model the
 * engine calls (one feature row per step, in step order); `observe` is the virtual cluster's step hook
 * (one start/end per step, same order). Only one engine may use a log.
 */
import type { StepResult } from '../../mocker/engine/types.ts';
import { STEP_FEATURES, type RooflineTiming } from '../../mocker/engine/timing/roofline.ts';
import type { StepBatch, StepTime, TimingModel } from '../../mocker/engine/timing/types.ts';

export class StepLog {
  startMs: Float64Array<ArrayBuffer> = new Float64Array(1024);
  endMs: Float64Array<ArrayBuffer> = new Float64Array(1024);
  /** STEP_FEATURES values per step, row-major. */
  features: Float64Array<ArrayBuffer> = new Float64Array(1024 * STEP_FEATURES);
  /** Steps observed (start/end) and feature rows logged; equal once a run is over. */
  steps = 0;
  rows = 0;
  private readonly row = new Float64Array(STEP_FEATURES);

  /** The timing model to give the engine: times steps with `model` and logs each step's features. */
  loggingTiming(model: RooflineTiming): TimingModel {
    return {
      kind: model.kind,
      frontendMs: model.frontendMs,
      stepTime: (batch: StepBatch, out: StepTime): void => {
        model.stepTime(batch, out);
        model.features(batch, this.row);
        if ((this.rows + 1) * STEP_FEATURES > this.features.length) this.features = grow(this.features);
        this.features.set(this.row, this.rows * STEP_FEATURES);
        this.rows++;
      },
    };
  }

  /** The virtual cluster's step hook (VirtualRunOptions.observeStep). */
  observe = (_worker: number, step: StepResult): void => {
    if (this.steps === this.startMs.length) {
      this.startMs = grow(this.startMs);
      this.endMs = grow(this.endMs);
    }
    this.startMs[this.steps] = step.startMs;
    this.endMs[this.steps] = step.endMs;
    this.steps++;
  };

  /** Throws unless every step has its times and its features. */
  check(): void {
    if (this.steps !== this.rows) throw new Error(`step log: ${this.steps} steps observed but ${this.rows} feature rows logged (one engine per log)`);
  }
}

function grow(a: Float64Array): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
