/**
 * Drives the REAL client (src/client: runWorkload + the undici transport) against one or more servers
 * for the client benchmarks, and joins each request's record with the engine's own timing (via the
 * timing tap), so client-side and engine-side TTFT can be compared per request. Also builds the
 * single-turn workloads these benchmarks send.
 */
import { createAgent, createTransport } from '../../src/client/http/transport.ts';
import { runWorkload } from '../../src/client/runner/run-workload.ts';
import type { BenchRecord, SendTurn } from '../../src/client/runner/types.ts';
import type { ConversationScript, Schedule, Workload } from '../../src/client/workloads/types.ts';
import { createTimingTap, type EngineTiming } from './timing-tap.ts';

export interface SingleTurnSpec {
  count: number;
  content: string;
  maxTokens: number;
  /** Open loop: send time of request i, ms from the start. */
  atMs?: (i: number) => number;
}

/** `count` one-turn conversations with the same short user message. */
export function singleTurnWorkload(spec: SingleTurnSpec, schedule: Schedule): Workload {
  const scripts: ConversationScript[] = Array.from({ length: spec.count }, (_, i) => ({
    id: `b${i}`,
    preamble: [],
    turns: [{ messages: [{ role: 'user', content: spec.content }], maxTokens: spec.maxTokens, ignoreEos: true, delayMs: 0, ...(spec.atMs ? { atMs: spec.atMs(i) } : {}) }],
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
  const tap = createTimingTap();
  const agent = createAgent();
  const dispatcher = agent.compose(tap.interceptor);
  const transports = o.urls.map((baseUrl) => createTransport({ baseUrl, dispatcher, timeoutMs: 60_000 }));
  const targetOf = o.targetOf ?? ((i: number) => i % o.urls.length);
  const engine = new Map<string, EngineTiming | undefined>();
  const send: SendTurn = async (req) => {
    const tag = `${req.conversationId}-${req.turn}`;
    const r = await transports[targetOf(req.scriptIndex)].sendChat({
      model: o.model ?? 'kvlab-mock',
      messages: req.messages,
      maxTokens: req.maxTokens,
      ignoreEos: req.ignoreEos,
      extraBody: { ...(req.extraBody ?? {}), user: tag },
      signal: req.signal,
    });
    engine.set(tag, tap.take(tag));
    return r;
  };
  const stop = new AbortController();
  const timer = o.stopAfterMs !== undefined ? setTimeout(() => stop.abort(), o.stopAfterMs) : null;
  try {
    const out = await runWorkload(o.workload, { send, signal: stop.signal, abortGraceMs: o.graceMs ?? 5000 });
    const index = new Map(o.workload.scripts.map((s, i) => [s.id, i]));
    const records = out.records.map((r): TimedRecord => {
      const t = engine.get(`${r.conversationId}-${r.turn}`);
      return { ...r, target: targetOf(index.get(r.conversationId) ?? 0), engineTtftMs: t ? t.firstTokenMs - t.arrivalMs : null };
    });
    return { records, durationMs: out.endMs - out.startMs };
  } finally {
    if (timer) clearTimeout(timer);
    await Promise.all(transports.map((t) => t.close()));
    await agent.close();
  }
}
