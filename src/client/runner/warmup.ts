/**
 * `--warmup N`: N requests sent before the measured run and left out of its results, for every
 * workload. Warm-up request i is turn 1 of script i mod S (its preamble and first messages, its
 * max_tokens, ignore_eos and extra fields), with a tag naming it put in front of its first message:
 * it has the shape of the workload's own first requests, so it exercises what they will (connections,
 * the server's paths for prompts of that size), but from its first block on its chained block hashes
 * differ from every measured prompt's, so it leaves nothing in a prefix cache that a measured request
 * could hit. They go `concurrency` at a time (the workload's: its closed-loop concurrency, its number
 * of clients; an open loop sends all at once, as vLLM's bench does without a concurrency limit).
 * First turns the caller knows the server will refuse (`fits`: e.g. over its max-model-len) are not
 * copied: a warm-up that fails warms nothing.
 * Approximation: a tag of a few tokens makes each warm-up prompt that much longer than its original.
 * A workload with its own warm-up plan (Workload.warmup: e.g. `documents`, after llm-d's tool) sends
 * those requests instead, at the plan's concurrency; its `requests` is the default N.
 */
import type { TurnSpec, WarmupPlan, Workload } from '../workloads/types.ts';
import { ConversationState } from './history.ts';
import type { Clock } from './clock.ts';
import type { SendTurn, TurnRequest } from './types.ts';

export interface WarmupOutcome {
  requests: number;
  failed: number;
  durationMs: number;
}

/** How many warm-up requests go at once for this workload. */
export function warmupConcurrency(w: Workload, n: number): number {
  if (w.warmup) return Math.max(1, Math.min(w.warmup.concurrency, n));
  const s = w.schedule;
  const c = s.kind === 'closed' ? s.concurrency : s.kind === 'clients' ? s.numClients : s.kind === 'queue' ? s.workers : n;
  return Math.max(1, Math.min(c, n));
}

/** The scripts a warm-up can copy: those whose first turn sends at least one message and fits. */
function warmable(w: Workload, fits: (t: TurnSpec) => boolean): number[] {
  const out: number[] = [];
  w.scripts.forEach((s, k) => {
    if (s.turns.length > 0 && (s.preamble.length > 0 || s.turns[0].messages.length > 0) && fits(s.turns[0])) out.push(k);
  });
  return out;
}

/** Warm-up number `i` (0-based): turn 1 of script `scriptIndex`, tagged (see the module comment). */
export function warmupRequest(w: Workload, scriptIndex: number, i: number, signal: AbortSignal): TurnRequest {
  const script = w.scripts[scriptIndex];
  const turn = script.turns[0];
  const messages = new ConversationState(script).messagesFor(0);
  messages[0] = { role: messages[0].role, content: `[kvlab warm-up ${i + 1}] ${messages[0].content}` };
  return { conversationId: `warmup-${i + 1}`, scriptIndex, turn: 1, messages, maxTokens: turn.maxTokens, ignoreEos: turn.ignoreEos, extraBody: turn.extraBody, signal };
}

/** Warm-up number `i` (0-based) of the workload's own plan: its turn i mod T, alone. */
export function plannedWarmupRequest(plan: WarmupPlan, i: number, signal: AbortSignal): TurnRequest {
  const turn = plan.turns[i % plan.turns.length];
  const messages = turn.messages.map((m) => ({ role: m.role, content: m.content }));
  return { conversationId: `warmup-${i + 1}`, scriptIndex: i, turn: 1, messages, maxTokens: turn.maxTokens, ignoreEos: turn.ignoreEos, extraBody: turn.extraBody, signal };
}

/** Send `n` warm-up requests (none when no script has a first turn that fits); stops early when `signal` aborts. */
export async function runWarmup(
  w: Workload,
  n: number,
  send: SendTurn,
  clock: Clock,
  signal?: AbortSignal,
  fits: (t: TurnSpec) => boolean = () => true,
): Promise<WarmupOutcome> {
  const start = clock.now();
  const plan = w.warmup && w.warmup.turns.length > 0 ? w.warmup : null;
  const scripts = plan ? [] : warmable(w, fits);
  if (n <= 0 || (!plan && scripts.length === 0)) return { requests: 0, failed: 0, durationMs: 0 };
  const request = (i: number, sig: AbortSignal): TurnRequest => (plan ? plannedWarmupRequest(plan, i, sig) : warmupRequest(w, scripts[i % scripts.length], i, sig));
  const never = new AbortController().signal;
  let next = 0;
  let requests = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (!signal?.aborted) {
      const i = next++;
      if (i >= n) return;
      requests++;
      try {
        if (!(await send(request(i, signal ?? never))).ok) failed++;
      } catch {
        // A send function must not throw; if one does, the warm-up request failed.
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: warmupConcurrency(w, n) }, worker));
  return { requests, failed, durationMs: clock.now() - start };
}
