/**
 * Turn queue, as llm-d's multi-turn-benchmark.py schedules its conversations (its
 * `run_parallel_conversations`: one asyncio queue of conversation ids, `--parallel` workers, a
 * uniform pause inside the worker before every turn). Every conversation starts in one FIFO, in
 * script order; a free worker takes the head, waits that conversation's next think time (`delayMs`,
 * counted from when it took it: the pause holds the worker), sends the turn, and puts the
 * conversation back at the tail when it has turns left. So turns of different conversations
 * interleave, at most `workers` requests (or pauses) are under way, and a conversation never has two
 * turns in flight. A failed turn ends a conversation that keeps history (llm-d's tool goes on
 * without the answer; see the README's workload table).
 */
import type { RunContext } from './run-context.ts';

export async function runQueueLoop(ctx: RunContext, workers: number): Promise<void> {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`turn-queue workers must be an integer ≥ 1, got ${workers}`);
  const nextTurn = ctx.states.map(() => 0);
  const queue: number[] = [];
  ctx.states.forEach((st, i) => {
    if (st.script.turns.length > 0) queue.push(i);
  });

  /** Run conversation i's next turn; true when it has more turns to queue. */
  const runTurn = async (i: number): Promise<boolean> => {
    const script = ctx.states[i].script;
    const k = nextTurn[i];
    const d = script.turns[k].delayMs;
    if (d > 0) await ctx.sleep(d);
    if (ctx.stopped) return false;
    const out = await ctx.execute(i, k);
    if (!out || (!out.result.ok && script.keepHistory)) return false;
    nextTurn[i] = k + 1;
    return nextTurn[i] < script.turns.length;
  };

  await new Promise<void>((resolve, reject) => {
    let busy = 0;
    const pump = (): void => {
      while (busy < workers && queue.length > 0 && !ctx.stopped) {
        const i = queue.shift()!;
        busy++;
        runTurn(i).then((more) => {
          busy--;
          if (more) queue.push(i);
          pump();
        }, reject);
      }
      if (busy === 0) resolve();
    };
    pump();
  });
}
