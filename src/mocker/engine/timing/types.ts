/**
 * The contract between the engine and its timing models. The engine hands a model the batch of one
 * step — per scheduled request, the tokens it computes now and the tokens already in its context (its
 * cached prefix included) — and the model says how long the step takes, in ms before the engine's
 * speedup divisors. Models are pure functions of the batch (no clock, no randomness).
 *
 * The duration comes in two parts so `decode-speedup-ratio` can divide decode work alone: `decodeMs`
 * is what the step would take with only its decoding requests, `prefillMs` what the prefill work adds.
 */

/** One engine step's batch. Arrays are the engine's scratch: valid for indices 0..size−1, during the call only. */
export interface StepBatch {
  /** Requests scheduled in this step. */
  size: number;
  /** Tokens each request computes in this step: a prefill chunk, or 1 for a decode. */
  newTokens: Int32Array;
  /** Tokens already in each request's KV before this step (its cached prefix included). */
  contextTokens: Int32Array;
  /** 1 when the request decodes in this step (0: a prefill chunk). */
  decoding: Uint8Array;
  /** 1 when the step ends with the request's next output token (a decode, or its prefill's last chunk). */
  emits: Uint8Array;
  /** Requests admitted from the waiting queue in this step (their first scheduled step). */
  admitted: number;
  /** Σ newTokens over prefilling requests. */
  prefillTokens: number;
  /** Decoding requests. */
  decodeSeqs: number;
  /** KV tokens referenced by running requests (held blocks × block size) and the capacity in tokens. */
  heldKvTokens: number;
  capacityTokens: number;
}

/** A step's duration in ms (before speedup divisors), split as the module comment says. */
export interface StepTime {
  prefillMs: number;
  decodeMs: number;
}

export interface TimingModel {
  /** `polynomial`, `table`, `roofline`, … (for reports). */
  readonly kind: string;
  /** Fill `out` with the duration of a non-empty step. */
  stepTime(batch: StepBatch, out: StepTime): void;
  /**
   * Fixed latency a request spends outside the engine on the way in and out (API server, network), ms
   * before speedup divisors; drivers add it between a client's send and the engine (default 0).
   */
  readonly frontendMs?: number;
}

/** An empty batch with room for `capacity` requests (engines keep one and refill it every step). */
export function emptyBatch(capacity: number): StepBatch {
  return {
    size: 0,
    newTokens: new Int32Array(capacity),
    contextTokens: new Int32Array(capacity),
    decoding: new Uint8Array(capacity),
    emits: new Uint8Array(capacity),
    admitted: 0,
    prefillTokens: 0,
    decodeSeqs: 0,
    heldKvTokens: 0,
    capacityTokens: 0,
  };
}
