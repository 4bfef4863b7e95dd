/**
 * Open loop: every turn is sent at its scheduled time (`atMs` from the run's start), whatever is still
 * in flight; a late answer never delays a send. One pacer (pacer.ts) fires the sends: each wake-up
 * sends everything due by then, and each record carries how late its send was (`lateMs`).
 * A turn without `atMs` is scheduled at the previous turn's time plus its `delayMs` (0 for turn 1).
 * With `keepHistory`, a turn carries the answers that have arrived by its send time.
 */
import type { RunContext } from './run-context.ts';
import { pace } from './pacer.ts';

interface Slot {
  atMs: number;
  scriptIndex: number;
  turnIndex: number;
}

export function openLoopSlots(ctx: RunContext): Slot[] {
  const slots: Slot[] = [];
  ctx.states.forEach((st, i) => {
    let at = 0;
    st.script.turns.forEach((t, k) => {
      at = t.atMs ?? (k === 0 ? t.delayMs : at + t.delayMs);
      if (!Number.isFinite(at) || at < 0) throw new RangeError(`turn ${k + 1} of ${st.script.id} has an invalid send time ${at}`);
      slots.push({ atMs: at, scriptIndex: i, turnIndex: k });
    });
  });
  // Stable sort: ties keep script order, then turn order.
  return slots.sort((a, b) => a.atMs - b.atMs);
}

export async function runOpenLoop(ctx: RunContext): Promise<void> {
  const slots = openLoopSlots(ctx);
  const inFlight: Promise<unknown>[] = [];
  const start = ctx.startMs;
  await pace(
    ctx.clock,
    slots,
    (s) => start + s.atMs,
    (s, lateMs) => inFlight.push(ctx.execute(s.scriptIndex, s.turnIndex, { lateMs })),
    ctx.stopSignal,
  );
  await Promise.all(inFlight);
}
