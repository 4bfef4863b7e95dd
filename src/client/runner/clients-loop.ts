/**
 * vLLM multi-turn benchmark's client schedule (benchmarks/multi_turn): `numClients` clients share one
 * queue of conversations; each keeps up to `maxActiveConversations` of them active and sends one
 * request at a time, picking the next conversation round-robin (or at random), ignoring think times.
 * With `requestRate` (req/s per client) sends are paced by a seeded Poisson process: send k+1 is due an
 * exponential gap after send k, or at once when the answer came later than that. `maxNumRequests` is
 * split evenly over the clients (vLLM's rule); a client at its limit activates no new conversation.
 *
 * Unlike vLLM, every started conversation is finished (a client at its limit or out of new work keeps
 * going with its active ones) unless `earlyStop`: then, as in vLLM, the first client to run out of
 * work or reach its limit stops every client from sending. `warmupStep` first sends turn 1 of every
 * conversation (numClients at a time, not measured), then runs the schedule from turn 2.
 */
import type { Schedule } from '../workloads/types.ts';
import type { RunContext } from './run-context.ts';
import { sleepUntil } from './clock.ts';

export type ClientsSchedule = Extract<Schedule, { kind: 'clients' }>;

/** Validate a clients schedule against the number of conversations (one-line errors). */
export function checkClientsSchedule(s: ClientsSchedule, numConversations: number): void {
  if (!Number.isInteger(s.numClients) || s.numClients < 1) throw new RangeError(`numClients must be an integer ≥ 1, got ${s.numClients}`);
  if (!Number.isInteger(s.maxActiveConversations) || s.maxActiveConversations < 1) {
    throw new RangeError(`maxActiveConversations must be an integer ≥ 1, got ${s.maxActiveConversations}`);
  }
  if (s.requestRate !== undefined && !(s.requestRate > 0)) throw new RangeError(`requestRate must be > 0, got ${s.requestRate}`);
  if (s.maxNumRequests !== undefined && Math.floor(s.maxNumRequests / s.numClients) < 1) {
    throw new RangeError(`maxNumRequests (${s.maxNumRequests}) must give at least one request per client (${s.numClients} clients)`);
  }
  if (numConversations < s.numClients) {
    throw new RangeError(`${numConversations} conversations cannot feed ${s.numClients} clients: use at least as many conversations as clients`);
  }
}

/** Exponential gap, ms, for a Poisson process of `ratePerS`. */
function exponentialMs(u: number, ratePerS: number): number {
  return (-Math.log(1 - u) / ratePerS) * 1000;
}

/** Warmup: turn 1 of every conversation, `parallel` at a time, not measured. */
async function warmup(ctx: RunContext, parallel: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (!ctx.stopped) {
      const i = next++;
      if (i >= ctx.states.length) return;
      if (ctx.states[i].script.turns.length > 0) await ctx.execute(i, 0, { warmup: true });
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, ctx.states.length) }, worker));
}

export async function runClientsLoop(ctx: RunContext, s: ClientsSchedule, onMeasuredStart?: () => void): Promise<void> {
  checkClientsSchedule(s, ctx.states.length);
  const numTurns = ctx.states.map((st) => st.script.turns.length);
  /** Next turn (0-based) of each conversation; -1 marks a conversation dropped after a failure. */
  const nextTurn = ctx.states.map(() => 0);
  if (s.warmupStep) {
    await warmup(ctx, s.numClients);
    ctx.states.forEach((st, i) => {
      const w = st.answers[0];
      nextTurn[i] = numTurns[i] === 0 ? 0 : w === null && st.script.keepHistory ? -1 : 1;
    });
  }
  onMeasuredStart?.();
  const queue = ctx.states.map((_, i) => i);
  let qHead = 0;
  const perClientLimit = s.maxNumRequests !== undefined ? Math.floor(s.maxNumRequests / s.numClients) : Infinity;
  const live = (i: number) => nextTurn[i] >= 0 && nextTurn[i] < numTurns[i];

  const client = async (c: number): Promise<void> => {
    const rng = ctx.rng.fork(`client-${c}`);
    const active: number[] = [];
    let sent = 0;
    let nextDue = s.requestRate ? ctx.clock.now() + exponentialMs(rng.next(), s.requestRate) : 0;
    for (;;) {
      if (ctx.stopped) return;
      const atLimit = sent >= perClientLimit;
      if (atLimit && s.earlyStop) return;
      while (!atLimit && active.length < s.maxActiveConversations && qHead < queue.length) {
        const i = queue[qHead++];
        if (live(i)) active.push(i);
      }
      if (active.length === 0) return;
      const slot = s.sampling === 'random' ? Math.floor(rng.next() * active.length) : 0;
      const i = active[slot];
      if (s.requestRate) {
        await sleepUntil(ctx.clock, nextDue, ctx.stopSignal);
        if (ctx.stopped) return;
      }
      const sentAt = ctx.clock.now();
      const out = await ctx.execute(i, nextTurn[i]);
      if (!out) return;
      sent++;
      if (s.requestRate) nextDue = sentAt + exponentialMs(rng.next(), s.requestRate);
      active.splice(slot, 1);
      nextTurn[i] = !out.result.ok && ctx.states[i].script.keepHistory ? -1 : nextTurn[i] + 1;
      if (live(i)) {
        // Round-robin: back of the line. Random sampling ignores order.
        active.push(i);
      }
    }
  };

  const clients = Array.from({ length: s.numClients }, (_, c) =>
    client(c).then(() => {
      if (s.earlyStop) ctx.stop();
    }),
  );
  await Promise.all(clients);
}
