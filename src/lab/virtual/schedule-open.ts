/**
 * Open loop in virtual time: turn 1 of every conversation is sent at its scheduled time whatever is
 * in flight. Scheduled times follow the real runner (client/runner/open-loop.ts): `atMs`, else the
 * previous turn's scheduled time plus `delayMs` (turn 1: its delayMs). A later turn of a multi-turn
 * script needs the previous answer, so it goes at max(its scheduled time, previous completion).
 *
 * Approximation: the real open loop sends turn k+1 on time even when turn k is still in flight (with
 * the answers that have arrived); here it waits for turn k, so histories are always complete.
 * Single-turn scripts (the trace) are identical in both.
 */
import type { ScheduleDriver, ScheduleHost } from './schedule-driver.ts';

export class OpenSchedule implements ScheduleDriver {
  /** Scheduled send time of every turn, per conversation. */
  private readonly due: number[][];

  constructor(private readonly host: ScheduleHost) {
    this.due = host.conversations.map((c) => {
      let at = 0;
      return c.script.turns.map((t, k) => {
        at = t.atMs ?? (k === 0 ? t.delayMs : at + t.delayMs);
        if (!Number.isFinite(at) || at < 0) throw new RangeError(`turn ${k + 1} of ${c.id} has an invalid send time ${at}`);
        return at;
      });
    });
  }

  start(): void {
    // Pushed in script order: equal times keep script order (the queue breaks ties by insertion).
    for (const c of this.host.conversations) if (!c.ended) this.host.sendAt(this.due[c.index][0], c.index);
  }

  turnDone(conv: number, _ok: boolean, atMs: number): void {
    const c = this.host.conversations[conv];
    if (!c.ended) this.host.sendAt(Math.max(this.due[conv][c.nextTurn], atMs), conv);
  }
}
