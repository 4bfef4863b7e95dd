/**
 * The soak's steady load: `clients` closed-loop clients, each talking in multi-turn conversations
 * (lorem user messages, the real answers kept in the history, a fresh conversation every few turns)
 * with streaming chat requests through the router. A share of the clients abort every request
 * mid-stream: they read until the first content chunk has arrived, then cut the connection.
 *
 * Normal clients use kvlab's own transport (src/client); aborting ones use undici directly, since
 * aborting after the first chunk needs the raw stream. Every random choice comes from the seed.
 */
import { Agent, request } from 'undici';
import { loremText } from '../src/core/lorem.ts';
import type { Rng } from '../src/core/rng.ts';
import { createTransport, type Transport } from '../src/client/http/transport.ts';

export interface LoadOptions {
  url: string;
  model: string;
  clients: number;
  /** Share of clients that abort every request mid-stream. */
  abortShare: number;
  turnsPerConversation: number;
  userTokens: number;
  maxTokens: number;
  rng: Rng;
}

export interface LoadCounters {
  ok: number;
  failed: number;
  aborted: number;
  /** Aborting clients' requests that ended before their first chunk (not mid-stream). */
  abortedEarly: number;
  errors: Map<string, number>;
}

export interface RunningLoad {
  readonly counters: LoadCounters;
  /** Stop starting requests and wait for the clients to finish the ones in flight. */
  stop(): Promise<void>;
}

type Message = { role: 'user' | 'assistant'; content: string };

function countError(c: LoadCounters, message: string): void {
  const key = message.replace(/\d+/g, '#').slice(0, 120);
  c.errors.set(key, (c.errors.get(key) ?? 0) + 1);
}

/** One streamed request cut after its first content chunk. True when it was cut mid-stream. */
async function abortMidStream(agent: Agent, o: LoadOptions, messages: Message[]): Promise<boolean> {
  const ac = new AbortController();
  const res = await request(`${o.url}/v1/chat/completions`, {
    method: 'POST',
    dispatcher: agent,
    signal: ac.signal,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: o.model, messages, max_tokens: o.maxTokens, ignore_eos: true, stream: true }),
  });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new Error(`HTTP ${res.statusCode}`);
  }
  try {
    for await (const chunk of res.body) {
      if (String(chunk).includes('"content"')) {
        ac.abort();
        return true;
      }
    }
  } catch (err) {
    if (ac.signal.aborted) return true;
    throw err;
  }
  return false;
}

export function startLoad(o: LoadOptions): RunningLoad {
  const counters: LoadCounters = { ok: 0, failed: 0, aborted: 0, abortedEarly: 0, errors: new Map() };
  const agent = new Agent({ keepAliveTimeout: 10_000, headersTimeout: 0, bodyTimeout: 0 });
  const transport: Transport = createTransport({ baseUrl: o.url, dispatcher: agent, stream: true, rng: o.rng.fork('transport') });
  const aborters = Math.round(o.clients * o.abortShare);
  let stopping = false;

  const client = async (index: number): Promise<void> => {
    const rng = o.rng.fork(`client-${index}`);
    const aborting = index < aborters;
    while (!stopping) {
      const history: Message[] = [];
      for (let turn = 0; turn < o.turnsPerConversation && !stopping; turn++) {
        history.push({ role: 'user', content: loremText(rng, o.userTokens).text });
        if (aborting) {
          try {
            if (await abortMidStream(agent, o, history)) counters.aborted++;
            else counters.abortedEarly++;
          } catch (err) {
            counters.failed++;
            countError(counters, (err as Error).message);
          }
          history.pop();
          continue;
        }
        const r = await transport.sendChat({ model: o.model, messages: history, maxTokens: o.maxTokens, ignoreEos: true });
        if (!r.ok) {
          counters.failed++;
          countError(counters, r.error ?? 'unknown error');
          break; // the answer is missing: start a new conversation
        }
        counters.ok++;
        history.push({ role: 'assistant', content: r.content });
      }
    }
  };

  const running = Array.from({ length: o.clients }, (_, i) => client(i));
  return {
    counters,
    async stop() {
      stopping = true;
      await Promise.all(running);
      await transport.close();
      await agent.close();
    },
  };
}
