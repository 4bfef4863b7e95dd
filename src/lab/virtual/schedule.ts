/**
 * The schedule driver of a workload: one per schedule kind (closed, open, queue, clients), behind the
 * ScheduleDriver interface (schedule-driver.ts).
 */
import type { Schedule } from '../../client/workloads/types.ts';
import type { Rng } from '../../core/rng.ts';
import { ClientsSchedule } from './schedule-clients.ts';
import { ClosedSchedule } from './schedule-closed.ts';
import { OpenSchedule } from './schedule-open.ts';
import { QueueSchedule } from './schedule-queue.ts';
import type { ScheduleDriver, ScheduleHost } from './schedule-driver.ts';

export function createSchedule(schedule: Schedule, host: ScheduleHost, rng: Rng): ScheduleDriver {
  switch (schedule.kind) {
    case 'closed':
      return new ClosedSchedule(host, schedule.concurrency);
    case 'open':
      return new OpenSchedule(host);
    case 'queue':
      return new QueueSchedule(host, schedule.workers);
    case 'clients':
      return new ClientsSchedule(host, schedule, rng);
    default: {
      const never: never = schedule;
      throw new RangeError(`unknown schedule ${JSON.stringify(never)}`);
    }
  }
}
