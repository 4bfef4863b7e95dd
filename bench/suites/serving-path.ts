/**
 * Benchmark 6 — the serving path's CPU per long prompt: one mock worker process (speedup 10⁶, so
 * engine time is ~0), a kv router process fed by its ZeroMQ KV events, and the real client (runBench,
 * the library of `kvlab bench`) in this process, sending one unique 16,000-token lorem chat prompt at
 * a time (16,007 prompt tokens with the template) with max_tokens 1. Each figure is a process's CPU
 * time (user + system, all threads) over a run divided by its requests: the worker's, the router's
 * (its KV-event intake included) and the client's. The client's figure is its send path: writing the
 * request body from the prompt's token ids, HTTP, the SSE answer, the record. Drawing the prompts'
 * token ids (the workload, built before the run as `kvlab bench` builds it before sending) is a
 * figure of its own, measured around the same build.
 *
 * New path (what `kvlab cluster` wires): the router hands the worker the prompt as block hashes and the
 * last partial block's ids (core/preprocessed), the worker publishes hash-only KV events. Baseline,
 * in the same run with its own worker and router processes: the router forwards the client's text
 * (`preprocess: false`) and the worker publishes vLLM events with token ids, which the router re-hashes
 * (`kvEventTokenIds: true`) — the path of every release before this one, with today's tokenizer and
 * memo (their own gains are in the tokenizer suite); its client sends messages whose text is built
 * when sent and serialised by JSON.stringify (the request body of every release before this one;
 * today's connections and answer reading, so the baseline isolates how the body is made). Runs
 * alternate between the two pairs. A second set of figures sends 100-token prompts on the new path:
 * the per-request cost no prompt removes.
 */
import { runBench } from '../../src/client/bench.ts';
import { lazyLoremMessage } from '../../src/client/workloads/messages.ts';
import type { ConversationScript, ScriptMessage, Workload } from '../../src/client/workloads/types.ts';
import { loremTokenArray, tokensToLoremText } from '../../src/core/lorem.ts';
import { createRng } from '../../src/core/rng.ts';
import { makeFigure, repetitions } from '../lib/figure.ts';
import { startServer, type ServerProcess } from '../lib/procs.ts';
import type { Suite } from '../lib/types.ts';

const LONG = 16_000;
const SHORT = 100;
const SPEEDUP = 1e6;

interface Pair {
  worker: ServerProcess;
  router: ServerProcess;
}

/** The previous client's lorem message: its text made when sent, then serialised with the body by JSON.stringify. */
function textAtSendMessage(ids: Int32Array): ScriptMessage {
  return { role: 'user', get content() { return tokensToLoremText(ids); } };
}

/**
 * `count` one-turn conversations, each one unique lorem user message of `tokens` tokens, kept as token
 * ids and written into the request body when sent (as the prefix-ratio workload does); `previous`:
 * as the previous client sent them (text, then JSON.stringify).
 */
function uniquePrompts(count: number, tokens: number, seed: string, previous = false): Workload {
  const rng = createRng(seed);
  const scripts: ConversationScript[] = [];
  for (let i = 0; i < count; i++) {
    const ids = loremTokenArray(rng, tokens);
    const message = previous ? textAtSendMessage(ids) : lazyLoremMessage('user', [ids]);
    scripts.push({ id: `u${i}`, preamble: [], turns: [{ messages: [message], maxTokens: 1, ignoreEos: true, delayMs: 0 }], keepHistory: false });
  }
  return { name: 'bench-unique-prompts', scripts, schedule: { kind: 'closed', concurrency: 1 }, params: { count, tokens } };
}

async function startPair(newPath: boolean): Promise<Pair> {
  const worker = await startServer('mocker', { speedupRatio: SPEEDUP, kvEventsPort: 0, kvEventTokenIds: !newPath });
  try {
    const router = await startServer('router', { workers: [worker.url], kvEvents: [worker.kvEvents], mode: 'kv', preprocess: newPath });
    return { worker, router };
  } catch (err) {
    await worker.close();
    throw err;
  }
}

interface PerRequest {
  worker: number;
  router: number;
  client: number;
  /** Client CPU drawing the prompts' token ids (before the run). */
  build: number;
}

/** CPU ms per request of worker, router and client over one run of `count` prompts of `tokens` tokens. */
async function measure(pair: Pair, count: number, tokens: number, seed: string, previous = false): Promise<PerRequest> {
  const b0 = process.cpuUsage();
  const workload = uniquePrompts(count, tokens, seed, previous);
  const b = process.cpuUsage(b0);
  const w0 = await pair.worker.cpuMs();
  const r0 = await pair.router.cpuMs();
  const c0 = process.cpuUsage();
  const result = await runBench({ command: 'bench serving-path', workload, urls: [pair.router.url], model: 'kvlab-mock' });
  const c = process.cpuUsage(c0);
  const w1 = await pair.worker.cpuMs();
  const r1 = await pair.router.cpuMs();
  const failed = result.records.filter((r) => !r.ok);
  if (failed.length > 0) throw new Error(`${failed.length} requests failed (${failed[0].error})`);
  const wrong = result.records.filter((r) => r.inputTokens !== tokens + 7);
  if (wrong.length > 0) throw new Error(`a request was answered with ${wrong[0].inputTokens} prompt tokens, expected ${tokens + 7}`);
  return { worker: (w1 - w0) / count, router: (r1 - r0) / count, client: (c.user + c.system) / 1000 / count, build: (b.user + b.system) / 1000 / count };
}

export const servingPath: Suite = {
  id: 'serving-path',
  title: 'Serving path: CPU per 16k-token request (worker, router, client)',
  async run(opts, log) {
    const runs = repetitions(opts, 2, 5);
    const count = opts.quick ? 30 : 100;
    const pairs: Pair[] = [];
    try {
      const fresh = await startPair(true);
      pairs.push(fresh);
      const old = await startPair(false);
      pairs.push(old);
      // Warm-up (JIT, connection pools, the tokenizer's piece memo), not counted.
      const warm = opts.quick ? 10 : 40;
      await measure(fresh, warm, LONG, 'warm/new');
      await measure(old, warm, LONG, 'warm/old', true);
      await measure(fresh, warm, SHORT, 'warm/short');
      const series = (): Record<keyof PerRequest, number[]> => ({ worker: [], router: [], client: [], build: [] });
      const v = series();
      const b = series();
      const s = series();
      for (let i = 0; i < runs; i++) {
        const n = await measure(fresh, count, LONG, `run/${i}/new`);
        const o = await measure(old, count, LONG, `run/${i}/old`, true);
        const sh = await measure(fresh, count, SHORT, `run/${i}/short`);
        for (const [into, from] of [
          [v, n],
          [b, o],
          [s, sh],
        ] as const) {
          for (const k of ['worker', 'router', 'client', 'build'] as const) into[k].push(from[k]);
        }
        const f = (x: PerRequest): string => `worker ${x.worker.toFixed(2)}, router ${x.router.toFixed(2)}, client ${x.client.toFixed(2)} (+ ${x.build.toFixed(2)} drawing the prompt)`;
        log(`run ${i + 1}: ${count} requests each; 16k new path ${f(n)} ms; today's path ${f(o)} ms; 100-token prompts ${f(sh)} ms (CPU per request)`);
      }
      const note = `${count} unique lorem prompts of ${LONG} tokens per run, one at a time, max_tokens 1, 1 worker at speedup ${SPEEDUP}, kv router with ZeroMQ events; process CPU time (user+system) / requests`;
      const base = "today's path (text forwarded, events with token ids re-hashed)";
      const figures = [
        makeFigure({ id: 'serving.worker_cpu_ms_per_16k_request', name: 'worker CPU per 16k-token request', unit: 'ms', values: v.worker, baseline: { name: base, values: b.worker }, target: { on: 'value', op: '<=', limit: 2 }, note }),
        makeFigure({ id: 'serving.router_cpu_ms_per_16k_request', name: 'router CPU per 16k-token request', unit: 'ms', values: v.router, baseline: { name: base, values: b.router }, target: { on: 'value', op: '<=', limit: 3 }, note: `${note}; KV-event intake included` }),
        makeFigure({ id: 'serving.client_cpu_ms_per_16k_request', name: 'client CPU per 16k-token request', unit: 'ms', values: v.client, baseline: { name: 'text built at send + JSON.stringify', values: b.client }, target: { on: 'value', op: '<=', limit: 1 }, note: `${note}; runBench (kvlab bench): body written from the prompt's token ids, HTTP, SSE, record; the prompt's ids drawn before the run (next row)` }),
        makeFigure({ id: 'serving.client_cpu_ms_per_16k_prompt_drawn', name: 'client CPU drawing a 16k-token prompt (workload)', unit: 'ms', values: v.build, note: 'seeded draws of the 16,000 lorem token ids of one prompt, before the run (not in the row above)' }),
        makeFigure({ id: 'serving.worker_cpu_ms_per_short_request', name: 'worker CPU per 100-token request', unit: 'ms', values: s.worker, note: 'the same on the new path with 100-token prompts: the cost no prompt removes' }),
        makeFigure({ id: 'serving.router_cpu_ms_per_short_request', name: 'router CPU per 100-token request', unit: 'ms', values: s.router }),
        makeFigure({ id: 'serving.client_cpu_ms_per_short_request', name: 'client CPU per 100-token request', unit: 'ms', values: s.client }),
      ];
      return { figures, config: { runs, requestsPerRun: count, promptTokens: LONG, shortPromptTokens: SHORT, maxTokens: 1, speedupRatio: SPEEDUP, concurrency: 1 } };
    } finally {
      for (const p of pairs.reverse()) {
        await p.router.close();
        await p.worker.close();
      }
    }
  },
};
