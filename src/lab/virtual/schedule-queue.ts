/**
 * Turn queue in virtual time (client/runner/queue-loop.ts, llm-d's multi-turn-benchmark.py): the
 * conversations wait in one FIFO in script order; a free worker takes the head and sends its next
 * turn after that turn's think time (`delayMs`, from when the worker took it); when the turn is done
 * the worker is free and the conversation, unless ended, goes back to the tail.
 */
import { checkSlots, type ScheduleDriver, type ScheduleHost } from './schedule-driver.ts';

export class QueueSchedule implements ScheduleDriver {
  private readonly queue: number[] = [];
  private readonly workers: number;
  private busy = 0;

  constructor(
    private readonly host: ScheduleHost,
    workers: number,
  ) {
    this.workers = checkSlots('turn-queue workers', workers);
  }

  start(): void {
    for (const c of this.host.conversations) if (!c.ended) this.queue.push(c.index);
    this.pump(0);
  }

  turnDone(conv: number, _ok: boolean, atMs: number): void {
    this.busy--;
    if (!this.host.conversations[conv].ended) this.queue.push(conv);
    this.pump(atMs);
  }

  private pump(atMs: number): void {
    while (this.busy < this.workers && this.queue.length > 0) {
      const c = this.host.conversations[this.queue.shift()!];
      this.busy++;
      this.host.sendAt(atMs + c.turn(c.nextTurn).delayMs, c.index);
    }
  }
}
