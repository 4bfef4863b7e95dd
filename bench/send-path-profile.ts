/**
 * `npx tsx bench/send-path-profile.ts [--requests 200[,1000]] [--runs 5] [--tokens 16000] [--direct]
 * [--base DIR] [--profile FILE]`: the client's CPU per request of the serving-path suite's 16k run,
 * by itself. One mock worker (speedup 10⁶) behind a kv router (`--direct`: the worker alone), and
 * runBench in this process sending unique lorem prompts one at a time (max_tokens 1); each run prints
 * the process's CPU time (user, system) over the run / requests. `--base DIR`: a checkout of another
 * commit (node_modules linked) whose runBench and lorem messages run alternately with this tree's, in
 * the same process, against the same servers — a same-run A/B. `--profile FILE`: V8's CPU profile of
 * this tree's measured runs only (warm-up excluded), written as a .cpuprofile. A profile printed for
 * reading, not a suite with a target (the figure is bench/suites/serving-path.ts).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startServer, type ServerProcess } from './lib/procs.ts';
import type { runBench as RunBench } from '../src/client/bench.ts';
import type { lazyLoremMessage as LazyLoremMessage } from '../src/client/workloads/messages.ts';
import type { loremTokenArray as LoremTokenArray } from '../src/core/lorem.ts';
import type { createRng as CreateRng } from '../src/core/rng.ts';
import type { ConversationScript, Workload } from '../src/client/workloads/types.ts';

interface Client {
  name: string;
  runBench: typeof RunBench;
  lazyLoremMessage: typeof LazyLoremMessage;
  loremTokenArray: typeof LoremTokenArray;
  createRng: typeof CreateRng;
}

function arg(name: string): string | null {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? null) : null;
}
/** Requests per run; several (`100,1000`) alternate, each with its own figures. */
const sizes = (arg('--requests') ?? '200').split(',').map(Number);
const runs = Number(arg('--runs') ?? 5);
const tokens = Number(arg('--tokens') ?? 16_000);
const direct = process.argv.includes('--direct');
const baseDir = arg('--base');
const profileFile = arg('--profile') ?? '';

async function loadClient(name: string, root: string): Promise<Client> {
  const mod = (p: string) => import(pathToFileURL(join(root, p)).href);
  const [bench, messages, lorem, rng] = await Promise.all([
    mod('src/client/bench.ts'),
    mod('src/client/workloads/messages.ts'),
    mod('src/core/lorem.ts'),
    mod('src/core/rng.ts'),
  ]);
  return { name, runBench: bench.runBench, lazyLoremMessage: messages.lazyLoremMessage, loremTokenArray: lorem.loremTokenArray, createRng: rng.createRng };
}

function workload(c: Client, count: number, seed: string): Workload {
  const rng = c.createRng(seed);
  const scripts: ConversationScript[] = [];
  for (let i = 0; i < count; i++) {
    const message = c.lazyLoremMessage('user', [c.loremTokenArray(rng, tokens)]);
    scripts.push({ id: `u${i}`, preamble: [], turns: [{ messages: [message], maxTokens: 1, ignoreEos: true, delayMs: 0 }], keepHistory: false });
  }
  return { name: 'send-path-profile', scripts, schedule: { kind: 'closed', concurrency: 1 }, params: { count, tokens } };
}

/** CPU µs per request (user, system) of one run of `count` requests. */
async function measure(c: Client, url: string, count: number, seed: string, profile: { start(): Promise<void>; stop(): Promise<void> } | null = null): Promise<{ user: number; system: number }> {
  const w = workload(c, count, seed);
  await profile?.start();
  const c0 = process.cpuUsage();
  const result = await c.runBench({ command: 'send-path-profile', workload: w, urls: [url], model: 'kvlab-mock' });
  const d = process.cpuUsage(c0);
  await profile?.stop();
  const bad = result.records.find((r) => !r.ok || r.inputTokens !== tokens + 7);
  if (bad) throw new Error(`a request failed or was miscounted: ${bad.error ?? `${bad.inputTokens} prompt tokens`}`);
  return { user: d.user / count, system: d.system / count };
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return `${(m / 1000).toFixed(3)} ms [${(s[0] / 1000).toFixed(3)}–${(s[s.length - 1] / 1000).toFixed(3)}]`;
}

const servers: ServerProcess[] = [];
try {
  const clients = [await loadClient('this tree', resolve(import.meta.dirname, '..'))];
  if (baseDir) clients.push(await loadClient(`base ${baseDir}`, resolve(baseDir)));
  const worker = await startServer('mocker', { speedupRatio: 1e6, kvEventsPort: 0 });
  servers.push(worker);
  let url = worker.url;
  if (!direct) {
    const router = await startServer('router', { workers: [worker.url], kvEvents: [worker.kvEvents], mode: 'kv', preprocess: true });
    servers.push(router);
    url = router.url;
  }
  for (const c of clients) await measure(c, url, 40, `warm/${c.name}`);
  const session = profileFile !== '' ? new Session() : null;
  const cases = clients.flatMap((c) => sizes.map((requests) => ({ c, requests, name: sizes.length > 1 ? `${c.name}, ${requests} per run` : c.name })));
  const per = cases.map(() => ({ total: [] as number[], user: [] as number[], system: [] as number[] }));
  console.log(`${sizes.join(' / ')} requests of ${tokens} lorem tokens per run, ${direct ? 'straight to the worker' : 'through a kv router'}; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < cases.length; k++) {
      const profile =
        session !== null && k === 0
          ? {
              async start() {
                if (r === 0) session.connect();
                await session.post('Profiler.enable');
                await session.post('Profiler.start');
              },
              async stop() {
                const { profile: p } = await session.post('Profiler.stop');
                writeFileSync(runs > 1 ? `${profileFile}.${r}` : profileFile, JSON.stringify(p));
              },
            }
          : null;
      const m = await measure(cases[k].c, url, cases[k].requests, `run/${r}/${cases[k].name}`, profile);
      per[k].total.push(m.user + m.system);
      per[k].user.push(m.user);
      per[k].system.push(m.system);
      console.log(`run ${r + 1} ${cases[k].name}: ${((m.user + m.system) / 1000).toFixed(3)} ms CPU per request (user ${(m.user / 1000).toFixed(3)}, system ${(m.system / 1000).toFixed(3)})`);
    }
  }
  for (let k = 0; k < cases.length; k++) {
    console.log(`${cases[k].name}: ${stats(per[k].total)} per request (user ${stats(per[k].user)}, system ${stats(per[k].system)})`);
  }
  console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  for (const s of servers.reverse()) await s.close();
}
