/**
 * A fake server for runner tests: answers each turn after a latency (virtual time), with a
 * deterministic answer text, and logs every send with its virtual send time.
 */
import type { SendTurn, TurnRequest, TurnResult } from '../../../src/client/runner/types.ts';
import type { VirtualClock } from './virtual-clock.ts';
import type { ConversationScript, TurnSpec } from '../../../src/client/workloads/types.ts';

export interface SentLog {
  req: TurnRequest;
  at: number;
  doneAt: number | null;
}

export interface FakeServer {
  send: SendTurn;
  log: SentLog[];
  inFlight: () => number;
  maxInFlight: () => number;
}

export function fakeServer(
  clock: VirtualClock,
  latency: (req: TurnRequest) => number = () => 100,
  fail: (req: TurnRequest) => number | null = () => null,
): FakeServer {
  const log: SentLog[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send: SendTurn = async (req) => {
    const entry: SentLog = { req, at: clock.now(), doneAt: null };
    log.push(entry);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const sentAtMs = clock.now();
    await clock.sleep(latency(req), req.signal);
    inFlight--;
    const base: TurnResult = {
      ok: true,
      status: 200,
      error: null,
      failure: null,
      sentAtMs,
      ttftMs: 10,
      ttfatMs: 10,
      e2eMs: clock.now() - sentAtMs,
      tpotMs: 1,
      itlMs: [1, 1],
      inputTokens: 10,
      outputTokens: 3,
      cachedTokens: 0,
      worker: 'w0',
      content: `answer ${req.conversationId}#${req.turn}`,
      reasoning: '',
      retries: 0,
    };
    if (req.signal.aborted) return { ...base, ok: false, failure: 'aborted', error: 'aborted', content: '' };
    entry.doneAt = clock.now();
    const status = fail(req);
    if (status !== null) return { ...base, ok: false, status, failure: 'http', error: `HTTP ${status}`, content: '' };
    return base;
  };
  return { send, log, inFlight: () => inFlight, maxInFlight: () => maxInFlight };
}

export function turn(content: string, over: Partial<TurnSpec> = {}): TurnSpec {
  return { messages: [{ role: 'user', content }], maxTokens: 3, ignoreEos: true, delayMs: 0, ...over };
}

export function script(id: string, turns: TurnSpec[], over: Partial<ConversationScript> = {}): ConversationScript {
  return { id, preamble: [], turns, keepHistory: true, ...over };
}

/** n scripts of k turns each, with a per-turn think time. */
export function scripts(n: number, k: number, delayMs = 0): ConversationScript[] {
  return Array.from({ length: n }, (_, i) => script(`c${i}`, Array.from({ length: k }, (_, j) => turn(`u${i}.${j}`, { delayMs: j === 0 ? 0 : delayMs }))));
}
