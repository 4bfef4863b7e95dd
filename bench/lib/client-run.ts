/**
 * Drives the REAL client (src/client: runWorkload + the undici transport) against one or more servers
 * for the client benchmarks, and joins each request's record with the engine's own timing (the
 * answer's `nvext.timing`, as the transport reads it: the same `engineTtftMs` a `kvlab bench` record's
 * serving overhead comes from), so client-side and engine-side TTFT can be compared per request. No
 * interceptor wraps the client's dispatcher: what is measured is the client as `kvlab bench` runs it.
 * Also builds the single-turn workloads these benchmarks send.
 */
import { createAgent, createTransport } from '../../src/client/http/transport.ts';
import { runWorkload } from '../../src/client/runner/run-workload.ts';
import type { BenchRecord, SendTurn } from '../../src/client/runner/types.ts';
import type { ConversationScript, Schedule, Workload } from '../../src/client/workloads/types.ts';

export interface SingleTurnSpec {
  count: number;
  content: string;
  maxTokens: number;
  /** Open loop: send time of request i, ms from the start. */
  atMs?: (i: number) => number;
}

/** `count` one-turn conversations with the same short user message (one turn object shared by all, when they have no send times). */
export function singleTurnWorkload(spec: SingleTurnSpec, schedule: Schedule): Workload {
  const turnAt = (i: number) => [{ messages: [{ role: 'user' as const, content: spec.content }], maxTokens: spec.maxTokens, ignoreEos: true, delayMs: 0, ...(spec.atMs ? { atMs: spec.atMs(i) } : {}) }];
  const shared = spec.atMs ? null : turnAt(0);
  const scripts: ConversationScript[] = Array.from({ length: spec.count }, (_, i) => ({
    id: `b${i}`,
    preamble: [],
    turns: shared ?? turnAt(i),
    keepHistory: false,
  }));
  return { name: 'bench-single-turn', scripts, schedule, params: { ...spec, atMs: undefined } };
}

export interface TimedRecord extends BenchRecord {
  /** Which target URL served it (index into `urls`). */
  target: number;
  /** Engine-side TTFT (first_token_ms − arrival_ms), when the answer carried nvext.timing. */
  engineTtftMs: number | null;
}

export interface ClientRunOptions {
  urls: string[];
  workload: Workload;
  /** Target of script i (default: i mod urls.length). */
  targetOf?: (scriptIndex: number) => number;
  /** Stop sending after this long (in-flight requests get `graceMs` to finish). */
  stopAfterMs?: number;
  graceMs?: number;
  model?: string;
}

export async function runRealClient(o: ClientRunOptions): Promise<{ records: TimedRecord[]; durationMs: number }> {
  const agent = createAgent();
  const transports = o.urls.map((baseUrl) => createTransport({ baseUrl, dispatcher: agent, timeoutMs: 60_000 }));
  const targetOf = o.targetOf ?? ((i: number) => i % o.urls.length);
  const engine = new Map<string, number | null>();
  const send: SendTurn = async (req) => {
    const tag = `${req.conversationId}-${req.turn}`;
    const r = await transports[targetOf(req.scriptIndex)].sendChat({
      model: o.model ?? 'kvlab-mock',
      messages: req.messages,
      maxTokens: req.maxTokens,
      ignoreEos: req.ignoreEos,
      extraBody: req.extraBody,
      signal: req.signal,
    });
    engine.set(tag, r.engineTtftMs ?? null);
    return r;
  };
  const stop = new AbortController();
  const timer = o.stopAfterMs !== undefined ? setTimeout(() => stop.abort(), o.stopAfterMs) : null;
  try {
    const out = await runWorkload(o.workload, { send, signal: stop.signal, abortGraceMs: o.graceMs ?? 5000 });
    const index = new Map(o.workload.scripts.map((s, i) => [s.id, i]));
    const records = out.records.map((r): TimedRecord => {
      return { ...r, target: targetOf(index.get(r.conversationId) ?? 0), engineTtftMs: engine.get(`${r.conversationId}-${r.turn}`) ?? null };
    });
    return { records, durationMs: out.endMs - out.startMs };
  } finally {
    if (timer) clearTimeout(timer);
    await Promise.all(transports.map((t) => t.close()));
    await agent.close();
  }
}
