/**
 * Schedule drivers: when each conversation's next turn is sent, in virtual time. One driver per
 * workload schedule kind (closed, open, clients), behind one interface; the cluster loop calls
 * `start` once and `turnDone` after every turn, and the driver answers by asking the host to send a
 * turn (or to wake it) at a virtual time. Drivers never read a clock: `atMs` is passed in.
 */
import type { Schedule } from '../../client/workloads/types.ts';
import type { Rng } from '../../core/rng.ts';
import type { VirtualConversation } from './conversation.ts';
import { ClientsSchedule } from './schedule-clients.ts';
import { ClosedSchedule } from './schedule-closed.ts';
import { OpenSchedule } from './schedule-open.ts';

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

export function createSchedule(schedule: Schedule, host: ScheduleHost, rng: Rng): ScheduleDriver {
  switch (schedule.kind) {
    case 'closed':
      return new ClosedSchedule(host, schedule.concurrency);
    case 'open':
      return new OpenSchedule(host);
    case 'clients':
      return new ClientsSchedule(host, schedule, rng);
    default: {
      const never: never = schedule;
      throw new RangeError(`unknown schedule ${JSON.stringify(never)}`);
    }
  }
}
