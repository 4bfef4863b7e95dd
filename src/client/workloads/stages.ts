/**
 * Load in stages, as inference-perf runs it: each stage sends floor(rate · duration) requests over its
 * duration, one stage after the other. inference-perf's `constant` load draws exponential gaps and
 * rescales them so they sum to the stage's duration (Poisson-like arrivals with an exact count); the
 * same is done here with a seeded generator.
 */
import { exponential } from '../../core/distributions.ts';
import type { Rng } from '../../core/rng.ts';

export interface Stage {
  /** Requests per second. */
  rate: number;
  durationS: number;
}

/** Parse "rate:durationS,…" (e.g. "8:600,20:600"); returns a problem description on bad input. */
export function parseStages(text: string): Stage[] | string {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) return `must be "rate:durationS,…" with at least one stage, got ${JSON.stringify(text)}`;
  const out: Stage[] = [];
  for (const part of parts) {
    const m = /^([0-9]*\.?[0-9]+(?:e[+-]?\d+)?):([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)$/i.exec(part);
    const rate = m ? Number(m[1]) : NaN;
    const durationS = m ? Number(m[2]) : NaN;
    if (!(rate > 0 && durationS > 0)) return `stage ${JSON.stringify(part)} must be "rate:durationS" with both > 0`;
    out.push({ rate, durationS });
  }
  return out;
}

/** Send times, ms from the start, of every request of the stages in order (see the module comment). */
export function stageArrivals(stages: readonly Stage[], rng: Rng): number[] {
  const out: number[] = [];
  let startMs = 0;
  for (const stage of stages) {
    const n = Math.floor(stage.rate * stage.durationS);
    const durationMs = stage.durationS * 1000;
    if (n > 0) {
      const gaps = Array.from({ length: n }, () => exponential(rng, 1));
      const scale = durationMs / gaps.reduce((a, b) => a + b, 0);
      let t = startMs;
      for (const g of gaps) {
        t += g * scale;
        out.push(t);
      }
    }
    startMs += durationMs;
  }
  return out;
}
