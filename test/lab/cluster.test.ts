import { afterAll, describe, expect, it } from 'vitest';
import { blockHashes } from '../../src/core/block-hash.ts';
import { ChatTokenizer } from '../../src/core/chat-template.ts';
import { loremText } from '../../src/core/lorem.ts';
import { createRng } from '../../src/core/rng.ts';
import { startCluster, type RunningCluster } from '../../src/lab/cluster.ts';
import type { RouterMode } from '../../src/router-sim/index.ts';
import { chat, waitFor } from '../router-sim/helpers.ts';

const BS = 64;
const MODEL = 'kvlab-mock';
const tok = new ChatTokenizer();
const open: RunningCluster[] = [];
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
});

async function cluster(mode: RouterMode, extra: { reasoningRatio?: number; numWorkers?: number } = {}): Promise<RunningCluster> {
  const c = await startCluster({
    numWorkers: extra.numWorkers ?? 4,
    mocker: { speedupRatio: 1000, seed: 1, reasoningRatio: extra.reasoningRatio ?? 0 },
    router: { mode, port: 0 },
  });
  open.push(c);
  return c;
}

type Msg = { role: string; content: string };

/** In kv mode, wait until the router's index shows `messages`' prompt blocks on `worker` (bounded). */
async function indexed(c: RunningCluster, messages: Msg[], worker: string, addGenerationPrompt = true): Promise<void> {
  const hashes = blockHashes(tok.encodeChat(messages, addGenerationPrompt), BS);
  const w = Number(worker.split('-')[1]);
  await waitFor(() => c.router.state.core.indexer.overlaps(hashes)[w] === hashes.length, `KV events of ${worker} to reach the router`);
}

const rng = createRng(2024);
const PREFIXES = [0, 1, 2, 3].map(() => loremText(rng, 3000).text);

async function runPrefixGroups(mode: RouterMode): Promise<{ workersByGroup: string[][]; cachedTokens: number }> {
  const c = await cluster(mode);
  const workersByGroup: string[][] = [[], [], [], []];
  let cachedTokens = 0;
  const q = createRng(7);
  for (let g = 0; g < 4; g++) {
    for (let r = 0; r < 5; r++) {
      const messages = [
        { role: 'system', content: PREFIXES[g] },
        { role: 'user', content: `question ${r} of group ${g}:${loremText(q, 40).text}` },
      ];
      const res = await chat(c.url, { model: MODEL, messages, max_tokens: 4, stream: true, stream_options: { include_usage: true } });
      expect(res.status).toBe(200);
      workersByGroup[g].push(res.worker!);
      cachedTokens += res.cachedTokens ?? 0;
      if (mode === 'kv') await indexed(c, messages, res.worker!);
    }
  }
  return { workersByGroup, cachedTokens };
}

describe('embedded cluster: prefix-aware routing (4 workers, 4 prefix groups × 5 requests, 3,000-token prefixes)', () => {
  const results = new Map<RouterMode, { workersByGroup: string[][]; cachedTokens: number }>();

  it.each(['kv', 'kv-approx'] as const)('%s keeps every group on one worker and spreads groups over workers', async (mode) => {
    const r = await runPrefixGroups(mode);
    results.set(mode, r);
    for (const ws of r.workersByGroup) expect(new Set(ws).size).toBe(1);
    expect(new Set(r.workersByGroup.map((ws) => ws[0])).size).toBeGreaterThanOrEqual(2);
  });

  it('round-robin spreads each group over at least 3 workers, and caches fewer tokens than kv', async () => {
    const r = await runPrefixGroups('round-robin');
    for (const ws of r.workersByGroup) expect(new Set(ws).size).toBeGreaterThanOrEqual(3);
    const kv = results.get('kv') ?? (await runPrefixGroups('kv'));
    expect(kv.cachedTokens).toBeGreaterThan(r.cachedTokens);
    // kv: the 4 follow-ups of each group hit at least the shared prefix's full blocks.
    expect(kv.cachedTokens).toBeGreaterThanOrEqual(16 * Math.floor(3000 / BS) * BS);
  });
});

describe('embedded cluster: speculative prefill', () => {
  async function twoTurns(c: RunningCluster, seed: number, speculative: boolean): Promise<{ cached: number; historyTokens: number; promptTokens: number }> {
    const r = createRng(seed);
    const user1 = { role: 'user', content: loremText(r, 300).text };
    const turn1 = await chat(c.url, {
      model: MODEL,
      messages: [user1],
      max_tokens: 400,
      ignore_eos: true,
      stream: true,
      ...(speculative ? { nvext: { agent_hints: { speculative_prefill: true } } } : {}),
    });
    expect(turn1.status).toBe(200);
    expect(turn1.reasoning.length).toBeGreaterThan(0);
    const history = [user1, { role: 'assistant', content: turn1.content }];
    if (speculative) {
      await waitFor(() => c.router.state.speculative.completed === 1, 'the speculative prefill to complete');
      await indexed(c, history, turn1.worker!, true);
    } else await indexed(c, [user1], turn1.worker!);
    const turn2 = await chat(c.url, {
      model: MODEL,
      messages: [...history, { role: 'user', content: loremText(r, 20).text }],
      max_tokens: 2,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(turn2.status).toBe(200);
    expect(turn2.worker).toBe(turn1.worker);
    return { cached: turn2.cachedTokens!, historyTokens: tok.encodeChat(history, false).length, promptTokens: tok.encodeChat([user1]).length };
  }

  it('with reasoning, the follow-up turn hits the whole history (answer included) only with speculative prefill', async () => {
    const c = await cluster('kv', { reasoningRatio: 0.5, numWorkers: 2 });
    const withSpec = await twoTurns(c, 1, true);
    const withoutSpec = await twoTurns(c, 2, false);
    const whole = (n: number) => Math.floor(n / BS) * BS;
    expect(withSpec.cached).toBeGreaterThanOrEqual(whole(withSpec.historyTokens));
    expect(withoutSpec.cached).toBeLessThan(whole(withoutSpec.historyTokens));
    // Without it the follow-up still hits the first prompt (the answer is what is missing).
    expect(withoutSpec.cached).toBeGreaterThanOrEqual(whole(withoutSpec.promptTokens) - BS);
    expect(c.router.state.speculative.sent).toBe(1);
  });
});
