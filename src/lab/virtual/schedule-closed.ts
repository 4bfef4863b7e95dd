/**
 * Closed loop in virtual time (client/runner/closed-loop.ts): at most `concurrency` conversations in
 * flight; each sends its turns in order, waiting each turn's think time (`delayMs`) from the previous
 * turn's completion (turn 1: from when the conversation gets its slot). When a conversation ends —
 * all turns done, or a failure in one that keeps history — its slot starts the next conversation.
 */
import { checkSlots, type ScheduleDriver, type ScheduleHost } from './schedule-driver.ts';

export class ClosedSchedule implements ScheduleDriver {
  private next = 0;

  constructor(
    private readonly host: ScheduleHost,
    private readonly concurrency: number,
  ) {
    checkSlots('closed-loop concurrency', concurrency);
  }

  start(): void {
    for (let s = 0; s < this.concurrency; s++) this.startNext(0);
  }

  turnDone(conv: number, _ok: boolean, atMs: number): void {
    const c = this.host.conversations[conv];
    if (c.ended) this.startNext(atMs);
    else this.host.sendAt(atMs + c.turn(c.nextTurn).delayMs, conv);
  }

  /** Give a free slot to the next conversation with turns (none left: the slot stays idle). */
  private startNext(atMs: number): void {
    const convs = this.host.conversations;
    while (this.next < convs.length) {
      const c = convs[this.next++];
      if (c.ended) continue;
      this.host.sendAt(atMs + c.turn(0).delayMs, c.index);
      return;
    }
  }
}
