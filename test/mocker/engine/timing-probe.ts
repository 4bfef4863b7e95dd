/**
 * Probes of a timing model on one-number batches (tests only): the step time of T prefill tokens in one
 * fresh request, and of one decoding request at a KV usage of active / capacity tokens.
 */
import { emptyBatch, type TimingModel } from '../../../src/mocker/engine/timing/index.ts';

/** Step time of one request prefilling `tokens` new tokens (0 tokens → an empty step: 0). */
export function prefillOnly(model: TimingModel, tokens: number): number {
  if (tokens === 0) return 0;
  const b = emptyBatch(1);
  b.size = 1;
  b.newTokens[0] = tokens;
  b.emits[0] = 1;
  b.admitted = 1;
  b.prefillTokens = tokens;
  const out = { prefillMs: 0, decodeMs: 0 };
  model.stepTime(b, out);
  return out.prefillMs + out.decodeMs;
}

/** Step time of one decoding request while `active` of `capacity` KV tokens are held. */
export function decodeOnly(model: TimingModel, active: number, capacity: number): number {
  const b = emptyBatch(1);
  b.size = 1;
  b.newTokens[0] = 1;
  b.contextTokens[0] = Math.max(0, active - 1);
  b.decoding[0] = 1;
  b.emits[0] = 1;
  b.decodeSeqs = 1;
  b.heldKvTokens = active;
  b.capacityTokens = capacity;
  const out = { prefillMs: 0, decodeMs: 0 };
  model.stepTime(b, out);
  return out.prefillMs + out.decodeMs;
}
