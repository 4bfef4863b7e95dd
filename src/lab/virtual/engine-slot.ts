/**
 * Drives one worker's engine in virtual time, as the real-time driver (mocker/server/driver.ts) does
 * with a clock: a request added to an idle engine starts a step at that time (through the queue, so
 * requests sent at the same instant and scheduled before it share the step); a step's tokens and KV
 * events are handed over at its end, and the next step starts right then while work remains.
 * Requests added during a step wait for the next one (the engine queues them).
 *
 * KV events reach the router at the step's END, before its tokens are delivered — when the real
 * driver publishes them too (vLLM publishes a step's batch after the model step), so both clocks'
 * routers learn a block at the same moment and never before it is computed.
 */
import type { StepResult } from '../../mocker/engine/index.ts';
import type { VirtualEngine } from './types.ts';

export class EngineSlot {
  /** A step is scheduled or running. */
  busy = false;
  /** The running step, between its start and its end event. */
  pending: StepResult | null = null;
  steps = 0;
  requests = 0;

  constructor(
    readonly index: number,
    readonly name: string,
    readonly engine: VirtualEngine,
  ) {}

  /**
   * Start a step at `nowMs`. Returns its end time, or null when the engine had nothing to run.
   * Throws when the engine reports a step ending before it started or at a non-finite time.
   */
  startStep(nowMs: number): number | null {
    const res = this.engine.step(nowMs);
    if (res.idle) {
      this.busy = false;
      this.pending = null;
      return null;
    }
    if (!(res.endMs >= nowMs) || !Number.isFinite(res.endMs)) {
      throw new Error(`virtual cluster: ${this.name}'s step at ${nowMs} ms ends at ${res.endMs} ms`);
    }
    this.busy = true;
    this.pending = res;
    this.steps++;
    return res.endMs;
  }

  /** Take the step that just ended. */
  takeEnded(): StepResult {
    const res = this.pending;
    if (res === null) throw new Error(`virtual cluster: ${this.name} has no step to end`);
    this.pending = null;
    return res;
  }
}
