/**
 * Closed loop: at most `concurrency` conversations in flight; each runs its turns in order, waiting
 * each turn's think time (`delayMs`, counted from the previous turn's completion; for turn 1, from
 * when the conversation gets its slot) before sending it. A failed turn ends a conversation that keeps
 * history (its answer is missing), as vLLM's multi-turn benchmark does.
 */
import type { RunContext } from './run-context.ts';

export async function runConversation(ctx: RunContext, scriptIndex: number, fromTurn = 0): Promise<void> {
  const script = ctx.states[scriptIndex].script;
  for (let k = fromTurn; k < script.turns.length; k++) {
    const d = script.turns[k].delayMs;
    if (d > 0) await ctx.sleep(d);
    if (ctx.stopped) return;
    const out = await ctx.execute(scriptIndex, k);
    if (!out) return;
    if (!out.result.ok && script.keepHistory) return;
  }
}

export async function runClosedLoop(ctx: RunContext, concurrency: number): Promise<void> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`closed-loop concurrency must be an integer ≥ 1, got ${concurrency}`);
  const n = ctx.states.length;
  let next = 0;
  const slot = async (): Promise<void> => {
    while (!ctx.stopped) {
      const i = next++;
      if (i >= n) return;
      await runConversation(ctx, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, slot));
}
