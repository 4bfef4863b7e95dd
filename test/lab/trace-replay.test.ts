/**
 * The shipped trace-replay experiment (the Mooncake FAST'25 trace, data/mooncake).
 *
 * Which reuse figure kvlab reports: the token-weighted one. A run's cache hit ratio is cachedTokens /
 * inputTokens summed over requests (core/summary.ts), i.e. prompt tokens served from the prefix cache
 * over all prompt tokens — the README's 65.12 % definition, not the 512-block count (63.96 %).
 * Our accounting differs from the README's only by (1) the chat template's tokens around each prompt
 * (3 shared tokens before it, 4 after), (2) the engine's 64-token blocks (a partially shared block
 * counts nothing), and (3) the last prompt token is always computed. The test computes that exact
 * expectation — leading 64-token blocks of each templated prompt already seen in an earlier request —
 * independently of the engine. The simulation may fall short of it by a hair: a request admitted
 * while an earlier one sharing its prefix is still being prefilled only hits the blocks computed so
 * far (measured once on the whole trace, ~30 s: simulated 65.086 %, ideal 65.087 %, README 65.12 %).
 * The suite replays the first 600 requests to stay fast.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blockHashes } from '../../src/core/block-hash.ts';
import { ChatTokenizer } from '../../src/core/chat-template.ts';
import { buildTrace, loadTrace, type TraceRow } from '../../src/client/workloads/index.ts';
import { runExperiment } from '../../src/lab/run-experiment.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-trace-replay-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const N = 600;
const BLOCK = 64;

/** The README's best case on the ids alone: 512-token blocks, counted and token-weighted. */
function readmeReuse(rows: readonly TraceRow[]): { blocks: number; tokens: number } {
  const seen = new Set<number>();
  let hitBlocks = 0;
  let blocks = 0;
  let hitTokens = 0;
  let tokens = 0;
  for (const r of rows) {
    let missed = false;
    r.hash_ids.forEach((id, i) => {
      const len = Math.min(512, r.input_length - 512 * i);
      blocks++;
      tokens += len;
      if (!missed && seen.has(id)) {
        hitBlocks++;
        hitTokens += len;
      } else missed = true;
    });
    for (const id of r.hash_ids) seen.add(id);
  }
  return { blocks: hitBlocks / blocks, tokens: hitTokens / tokens };
}

/** Our exact expectation with an unlimited cache, and the blocks it needs. */
function idealReuse(rows: readonly TraceRow[]): { ratio: number; blocks: number } {
  const workload = buildTrace({ numRequests: N }, { rows });
  const tok = new ChatTokenizer();
  const seen = new Set<number>();
  let cached = 0;
  let input = 0;
  for (const s of workload.scripts) {
    const prompt = tok.encodeChat([{ role: 'user', content: '', contentTokens: s.turns[0].messages[0].contentTokens }]);
    const hashes = blockHashes(prompt, BLOCK);
    let k = 0;
    while (k < hashes.length && seen.has(hashes[k])) k++;
    cached += Math.min(k * BLOCK, prompt.length - 1);
    input += prompt.length;
    for (const h of hashes) seen.add(h);
  }
  return { ratio: cached / input, blocks: seen.size };
}

describe('the Mooncake trace', () => {
  const rows = loadTrace();

  it("has the README's best-case reuse: 63.96 % of 512-token blocks, 65.12 % of tokens", async () => {
    const all = readmeReuse(await rows);
    expect(all.blocks).toBeCloseTo(0.6396, 4);
    expect(all.tokens).toBeCloseTo(0.6512, 4);
  });

  it('replayed on 1 worker with an unlimited cache, hits exactly its best case (token-weighted, our accounting)', async () => {
    const trace = await rows;
    const ideal = idealReuse(trace);
    // Our accounting is the README's token-weighted figure up to template tokens and 64-token rounding.
    expect(Math.abs(ideal.ratio - readmeReuse(trace.slice(0, N)).tokens)).toBeLessThan(1e-3);
    const { cells } = await runExperiment({
      file: 'trace-replay',
      clock: 'virtual',
      outDir: join(root, 'one-worker'),
      report: false,
      sets: [`workload.numRequests=${N}`, 'cluster.numWorkers=1', `cluster.numGpuBlocks=${ideal.blocks + 10_000}`, 'matrix.router.mode=["kv"]'],
    });
    const s = cells[0].summary;
    expect(s.succeeded).toBe(N);
    expect(s.cacheHitRatio!).toBeLessThanOrEqual(ideal.ratio + 1e-9);
    expect(s.cacheHitRatio!).toBeGreaterThan(ideal.ratio - 5e-4);
  });

  it('routed by kv beats round-robin and random on mean TTFT', async () => {
    const { cells } = await runExperiment({
      file: 'trace-replay',
      clock: 'virtual',
      outDir: join(root, 'routers'),
      report: false,
      sets: ['workload.numRequests=400', 'cluster.numWorkers=4'],
    });
    const ttft = (mode: string) => cells.find((c) => c.params['router.mode'] === mode)!.summary.ttftMs.mean!;
    expect(cells.map((c) => c.params['router.mode'])).toEqual(['kv', 'kv-approx', 'round-robin', 'random']);
    expect(ttft('kv')).toBeLessThan(ttft('round-robin'));
    expect(ttft('kv')).toBeLessThan(ttft('random'));
    expect(ttft('kv-approx')).toBeLessThan(ttft('random'));
  });
});
