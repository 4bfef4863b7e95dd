/**
 * Per-attempt timeouts without a timer per attempt: the attempts a transport has in flight sit in one
 * set, and one interval timer (running only while the set is not empty, and never keeping the process
 * alive by itself) fires those past their deadline. Arming and disarming an attempt's watch is a set
 * insertion and removal instead of a Node timer each (its Timeout object and timer-list bookkeeping,
 * twice per request).
 *
 * Approximation: a timeout fires up to one check period late (timeout / 50, between 1 ms and 1 s: up
 * to 1 s late for the 600 s default, 2 ms for a 100 ms timeout). Deadlines are on the real clock
 * (the global performance.now), whatever clock the transport stamps times with.
 */

export interface Watch {
  at: number;
  fire: () => void;
}

export class Deadlines {
  private readonly watches = new Set<Watch>();
  private timer: NodeJS.Timeout | null = null;
  private readonly periodMs: number;

  constructor(private readonly timeoutMs: number) {
    this.periodMs = Math.min(1000, Math.max(1, timeoutMs / 50));
  }

  /** Calls `fire` once `timeoutMs` have passed, unless `disarm` gets the returned watch first. */
  arm(fire: () => void): Watch {
    const w: Watch = { at: performance.now() + this.timeoutMs, fire };
    this.watches.add(w);
    if (this.timer === null) {
      this.timer = setInterval(() => this.check(), this.periodMs);
      this.timer.unref();
    }
    return w;
  }

  disarm(w: Watch): void {
    this.watches.delete(w);
  }

  /** Watches armed and not yet fired or disarmed. */
  get size(): number {
    return this.watches.size;
  }

  private check(): void {
    if (this.watches.size === 0) {
      clearInterval(this.timer!);
      this.timer = null;
      return;
    }
    const t = performance.now();
    for (const w of this.watches) {
      if (w.at <= t) {
        this.watches.delete(w);
        w.fire();
      }
    }
  }
}
