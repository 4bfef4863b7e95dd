/**
 * Schedule drivers: when each conversation's next turn is sent, in virtual time. The cluster loop
 * calls `start` once and `turnDone` after every turn, and the driver answers by asking the host to
 * send a turn (or to wake it) at a virtual time. Drivers never read a clock: `atMs` is passed in.
 */
import type { VirtualConversation } from './conversation.ts';

export interface ScheduleHost {
  readonly conversations: readonly VirtualConversation[];
  /** Send conversation `conv`'s next turn at `atMs` (not before the current virtual time). */
  sendAt(atMs: number, conv: number, warmup?: boolean): void;
  /** Call `fn` at `atMs`. */
  wakeAt(atMs: number, fn: (nowMs: number) => void): void;
  /** The measured phase starts at `atMs` (records' sentAtMs and the duration count from here). */
  startMeasuring(atMs: number): void;
}

export interface ScheduleDriver {
  /** Schedule the first sends (virtual time 0). */
  start(): void;
  /** Conversation `conv` finished a turn at `atMs` (its nextTurn/ended are already updated). */
  turnDone(conv: number, ok: boolean, atMs: number, warmup: boolean): void;
}

/** A driver's number of slots or workers: an integer ≥ 1, else a RangeError naming `what`. */
export function checkSlots(what: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be an integer ≥ 1, got ${n}`);
  return n;
}
