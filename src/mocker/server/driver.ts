/**
 * The real-time driver of one engine: the I/O shell around the pure engine loop.
 *
 * - Idle and a request arrives: the next step starts at "now" (on the next turn of the event loop, so
 *   requests arriving together share the step).
 * - A step's tokens are delivered once its `endMs` deadline has passed (clock.ts wakes within
 *   microseconds of it, never before); the next step starts AT that deadline (absolute times on a
 *   monotonic base), so lateness never accumulates into drift at high speedup ratios, and a late loop
 *   runs the next step at once instead of sleeping.
 * - Except: a step never starts before a request that arrived after the previous deadline (the loop
 *   was late, busy elsewhere, when it came in). Starting at the old deadline would admit it to a step
 *   that began before it existed — in virtual time it would wait for the next step — and its engine
 *   TTFT would come out shorter than its own prefill (down to 0 once the loop is a prefill behind).
 *   So the next step starts at the later of the deadline and the last arrival; only a late loop with
 *   new arrivals moves the timeline, timer lateness alone never does.
 * - Within a step, first tokens are handed out before the other requests' tokens: all carry the same
 *   step-end time, but the order decides which sockets are written first, and a first token written
 *   behind a few hundred decode chunks would reach its client later than the engine's TTFT says.
 * - KV events are published when the step that produced them ENDS, as vLLM publishes a step's batch
 *   after the model step: a router must never route on blocks not yet computed. A step's batch holds
 *   everything the step did to the cache in the engine's order — the evictions its allocations made
 *   at its start (so for one step the router may still count a block the worker already dropped, as
 *   with vLLM) and the blocks it stored — and goes out at the step's deadline, before its tokens are
 *   delivered (a client that sends its next turn on the answer finds the router already knowing the
 *   blocks). Events of an abort or a prefix-cache reset are published at once when no step is being
 *   computed; during a step they join the end of that step's batch, so the stream stays in the
 *   engine's order and a consumer replaying it in order always reaches the engine's cache. A closed
 *   driver publishes nothing more (the step in flight never ends).
 * - A listener that goes away (client disconnect) is aborted: its blocks are released.
 * - With `arrivalDelayMs` (a timing model's frontend latency: API server, network), a request is
 *   checked at once but reaches the engine only when the delay has passed, as it would in the modelled
 *   deployment; the virtual cluster delays arrivals the same way.
 */
import type { EngineRequest, KvEvent, RequestProgress, StepResult } from '../engine/types.ts';
import { realClock, type DriverClock } from './clock.ts';

/** What the driver needs of an engine (the engine class satisfies it). */
export interface DrivableEngine {
  /** Throws what `add` would throw, changing nothing. */
  validate(req: EngineRequest): void;
  add(req: EngineRequest): void;
  abort(id: string): KvEvent[];
  step(nowMs: number): StepResult;
  hasWork(): boolean;
  resetPrefixCache(): { ok: boolean; events: KvEvent[] };
}

export interface TokenDelivery {
  tokens: number[];
  /** Monotonic ms of the step end the tokens belong to. */
  atMs: number;
  /** True on the delivery carrying the request's first output token. */
  first: boolean;
  /** Prompt tokens served from the prefix cache (on the first delivery). */
  cachedTokens?: number;
  /** Of cachedTokens, those loaded back from the engine's CPU / disk offload tier (engines with tiers). */
  cpuCachedTokens?: number;
  diskCachedTokens?: number;
  /** A remote-prefill request (decode worker), first delivery: prompt tokens pulled over the KV transfer link. */
  kvTransferTokens?: number;
}

export interface RequestListener {
  onTokens(delivery: TokenDelivery): void;
  /** The request emitted all its tokens (called after its last onTokens); a remote-decode request's KV blocks with it. */
  onFinished(atMs: number, remoteBlockIds?: number[]): void;
}

export interface DriverOptions {
  clock?: DriverClock;
  /** Receives every batch of KV events with the monotonic time it was produced. */
  onKvEvents?: (events: readonly KvEvent[], atMs: number) => void;
  /** Receives errors thrown by listeners (the loop keeps going). */
  onListenerError?: (err: unknown) => void;
  /**
   * Time a request spends before it reaches the engine, ms (the timing model's frontend latency —
   * API server, network — over the speedup ratio). Default 0: straight in.
   */
  arrivalDelayMs?: number;
}

export class EngineDriver {
  readonly clock: DriverClock;
  private readonly listeners = new Map<string, RequestListener>();
  /** Cancels of requests still on their way in (DriverOptions.arrivalDelayMs). */
  private readonly arriving = new Set<() => void>();
  private cancelWait: (() => void) | null = null;
  /** The step being computed (between its start and its deadline). */
  private pending: StepResult | null = null;
  /** Abort/reset events that arrived during `pending`: published after its own, at its end. */
  private readonly deferred: KvEvent[] = [];
  private busy = false;
  private closed = false;
  private stepsRun = 0;
  /** When the last request was submitted (monotonic ms). */
  private lastSubmitMs = -Infinity;

  constructor(
    private readonly engine: DrivableEngine,
    private readonly opts: DriverOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
  }

  /** Requests submitted and not yet finished or aborted. */
  get inFlight(): number {
    return this.listeners.size;
  }

  /** Engine steps run so far (idle polls excluded). */
  get steps(): number {
    return this.stepsRun;
  }

  /** Hand a request to the engine; throws what `engine.add` throws (nothing is registered then). */
  submit(req: EngineRequest, listener: RequestListener): void {
    if (this.closed) throw new Error('engine driver is closed');
    const delay = this.opts.arrivalDelayMs ?? 0;
    if (delay <= 0) {
      this.engine.add(req);
      this.listeners.set(req.id, listener);
      this.lastSubmitMs = this.clock.now();
      this.kick();
      return;
    }
    // Modelled frontend latency: checked now (a request that can never run fails at once), handed to
    // the engine when it has passed, unless it was aborted meanwhile.
    this.engine.validate(req);
    if (this.listeners.has(req.id)) throw new RangeError(`request id ${req.id} is already in the engine`);
    this.listeners.set(req.id, listener);
    const cancel = this.clock.at(this.clock.now() + delay, () => {
      this.arriving.delete(cancel);
      if (this.closed || this.listeners.get(req.id) !== listener) return;
      this.engine.add(req);
      this.lastSubmitMs = this.clock.now();
      this.kick();
    });
    this.arriving.add(cancel);
  }

  /** Abort a request (client gone): no more callbacks, blocks released. False if it was not in flight. */
  abort(id: string): boolean {
    if (!this.listeners.delete(id)) return false;
    this.publishNowOrAtStepEnd(this.engine.abort(id));
    return true;
  }

  resetPrefixCache(): { ok: boolean } {
    const { ok, events } = this.engine.resetPrefixCache();
    this.publishNowOrAtStepEnd(events);
    return { ok };
  }

  /** Stop the loop and abort everything in flight. */
  close(): void {
    this.closed = true;
    this.cancelWait?.();
    this.cancelWait = null;
    for (const cancel of this.arriving) cancel();
    this.arriving.clear();
    for (const id of [...this.listeners.keys()]) this.abort(id);
    this.pending = null;
    this.deferred.length = 0;
    this.busy = false;
  }

  private kick(): void {
    if (this.busy) return;
    this.busy = true;
    this.cancelWait = this.clock.at(this.clock.now(), () => this.runStep(this.clock.now()));
  }

  private runStep(startMs: number): void {
    this.cancelWait = null;
    if (this.closed) return;
    const res = this.engine.step(startMs);
    if (res.idle) {
      this.busy = false;
      return;
    }
    this.stepsRun++;
    this.pending = res;
    this.cancelWait = this.clock.at(res.endMs, () => this.finishStep(res));
  }

  private finishStep(res: StepResult): void {
    this.cancelWait = null;
    if (this.closed) return;
    this.pending = null;
    if (this.deferred.length > 0) {
      this.publish([...res.events, ...this.deferred], res.endMs);
      this.deferred.length = 0;
    } else this.publish(res.events, res.endMs);
    // Two passes, first tokens first (see the module comment); otherwise the engine's order.
    for (const p of res.progress) if (p.first) this.deliver(p, res.endMs);
    for (const p of res.progress) if (!p.first) this.deliver(p, res.endMs);
    // At the deadline, or at a later arrival the late loop took in meanwhile (module comment).
    if (this.engine.hasWork()) this.runStep(Math.max(res.endMs, this.lastSubmitMs));
    else this.busy = false;
  }

  private deliver(p: RequestProgress, atMs: number): void {
    const listener = this.listeners.get(p.id);
    if (!listener) return;
    if (p.finished) this.listeners.delete(p.id);
    try {
      if (p.tokens.length > 0) {
        const tiers = p.cpuCachedTokens !== undefined ? { cpuCachedTokens: p.cpuCachedTokens, diskCachedTokens: p.diskCachedTokens } : {};
        const transfer = p.kvTransferTokens !== undefined ? { kvTransferTokens: p.kvTransferTokens } : {};
        listener.onTokens({ tokens: p.tokens, atMs, first: p.first, cachedTokens: p.cachedTokens, ...tiers, ...transfer });
      }
      if (p.finished) listener.onFinished(atMs, p.remoteBlockIds);
    } catch (err) {
      this.opts.onListenerError?.(err);
    }
  }

  private publishNowOrAtStepEnd(events: readonly KvEvent[]): void {
    if (events.length === 0) return;
    if (this.pending !== null) this.deferred.push(...events);
    else this.publish(events, this.clock.now());
  }

  private publish(events: readonly KvEvent[], atMs: number): void {
    if (events.length > 0) this.opts.onKvEvents?.(events, atMs);
  }
}
