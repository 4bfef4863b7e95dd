/**
 * Runs a Workload's conversation scripts under its schedule (closed, open, queue or clients) and returns one
 * BenchRecord per request. On abort (the `signal`): no new request is sent, in-flight requests get
 * `abortGraceMs` to finish, then they are cancelled and left out of the records (`cancelledInFlight`).
 */
import type { Workload } from '../workloads/types.ts';
import { runClosedLoop } from './closed-loop.ts';
import { runOpenLoop } from './open-loop.ts';
import { runQueueLoop } from './queue-loop.ts';
import { runClientsLoop } from './clients-loop.ts';
import { RunContext } from './run-context.ts';
import type { RunOutcome, RunWorkloadOptions } from './types.ts';

export const DEFAULT_ABORT_GRACE_MS = 2000;

export async function runWorkload(workload: Workload, opts: RunWorkloadOptions): Promise<RunOutcome> {
  const ctx = new RunContext(workload, opts);
  const clock = ctx.clock;
  const finished = new AbortController();
  let interrupted = false;
  const onAbort = () => {
    interrupted = true;
    ctx.stop();
    void clock.sleep(opts.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS, finished.signal).then(() => {
      if (!finished.signal.aborted) ctx.cancelInFlight();
    });
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  const runStart = clock.now();
  let warmupEnd: number | null = null;
  try {
    const s = workload.schedule;
    switch (s.kind) {
      case 'closed':
        await runClosedLoop(ctx, s.concurrency);
        break;
      case 'open':
        await runOpenLoop(ctx);
        break;
      case 'queue':
        await runQueueLoop(ctx, s.workers);
        break;
      case 'clients':
        await runClientsLoop(ctx, s, () => {
          if (s.warmupStep) {
            warmupEnd = clock.now();
            ctx.startMs = warmupEnd;
          }
        });
        break;
      default: {
        const never: never = s;
        throw new Error(`unknown schedule ${JSON.stringify(never)}`);
      }
    }
  } finally {
    finished.abort();
    opts.signal?.removeEventListener('abort', onAbort);
  }
  return {
    records: ctx.records,
    startMs: ctx.startMs,
    endMs: clock.now(),
    warmup:
      warmupEnd === null
        ? null
        : { requests: ctx.warmupRequests, failed: ctx.warmupFailed, durationMs: (warmupEnd as number) - runStart },
    transcripts: () => ctx.states.map((st) => ({ id: st.script.id, messages: st.transcript() })),
    interrupted,
    cancelledInFlight: ctx.cancelledInFlight,
  };
}
