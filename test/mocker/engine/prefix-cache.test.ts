import { describe, expect, it } from 'vitest';
import { blockHashes } from '../../../src/core/block-hash.ts';
import { Engine } from '../../../src/mocker/engine/engine.ts';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../../src/mocker/engine/types.ts';
import { drive, replayEvents, tokens } from './drive.ts';

const cfg = (over: Partial<EngineConfig> = {}): EngineConfig => ({ ...DEFAULT_ENGINE_CONFIG, ...over });

describe('prefix cache', () => {
  it.each([1, 63, 64, 65, 1000, 1024, 3000])('hits the whole blocks within the first n − 1 tokens of a repeated %i-token prompt (as vLLM v1)', (len) => {
    const e = new Engine(cfg());
    const prompt = tokens(len, len);
    const { traces } = drive(e, [
      { atMs: 0, req: { id: 'a', prompt, output: tokens(99, 3) } },
      { atMs: 10_000, req: { id: 'b', prompt, output: tokens(99, 3) } },
    ]);
    expect(traces.get('a')!.cachedTokens).toBe(0);
    expect(traces.get('b')!.cachedTokens).toBe(Math.floor((len - 1) / 64) * 64);
  });

  it.each([
    [700, 90, 50],
    [700, 68, 50], // prompt + answer = 768, a multiple of the block size
    [64, 64, 1],
    [10, 300, 7],
  ])('lets a follow-up (prompt %i + answer %i + %i new tokens) hit the previous prompt and answer but its last token', (p, a, n) => {
    const e = new Engine(cfg());
    const prompt = tokens(1, p);
    const answer = tokens(2, a);
    const followUp = [...prompt, ...answer, ...tokens(3, n)];
    const { traces } = drive(e, [
      { atMs: 0, req: { id: 't1', prompt, output: answer } },
      { atMs: 100_000, req: { id: 't2', prompt: followUp, output: tokens(4, 5) } },
    ]);
    expect(traces.get('t1')!.tokens).toEqual(answer);
    // The answer's last token is emitted, never fed back (its KV is never computed), as in vLLM.
    const expected = Math.floor(Math.min(p + a - 1, followUp.length - 1) / 64) * 64;
    expect(traces.get('t2')!.cachedTokens).toBe(expected);
  });

  it('shares a common prefix between different prompts but never a partial block', () => {
    const e = new Engine(cfg({ blockSize: 16 }));
    const shared = tokens(1, 100); // 6 full blocks + 4 tokens
    const { traces } = drive(e, [
      { atMs: 0, req: { id: 'a', prompt: [...shared, ...tokens(2, 50)], output: [1] } },
      { atMs: 1000, req: { id: 'b', prompt: [...shared, ...tokens(3, 50)], output: [1] } },
    ]);
    expect(traces.get('b')!.cachedTokens).toBe(96);
  });

  it('announces stored blocks with chained hashes, parents and tokens', () => {
    const e = new Engine(cfg({ blockSize: 4 }));
    const prompt = tokens(1, 10);
    const output = tokens(2, 5);
    const { events } = drive(e, [{ atMs: 0, req: { id: 'a', prompt, output } }]);
    const all = [...prompt, ...output];
    const expected = blockHashes(all, 4); // 15 tokens → 3 full blocks, the last holding output tokens
    const stored = events.filter((x) => x.type === 'BlockStored');
    expect(stored.flatMap((x) => x.blockHashes)).toEqual(expected);
    expect(stored.flatMap((x) => x.tokenIds)).toEqual(all.slice(0, 12));
    expect(stored[0].parentHash).toBeNull();
    for (const s of stored) {
      expect(s.blockSize).toBe(4);
      expect(s.tokenIds.length).toBe(4 * s.blockHashes.length);
      if (s.parentHash !== null) expect(expected[expected.indexOf(s.blockHashes[0]) - 1]).toBe(s.parentHash);
    }
    expect([...e.cachedBlockHashes()].sort()).toEqual([...expected].sort());
  });

  it('leaves token ids out of BlockStored events with eventTokenIds: false, and nothing else changes', () => {
    const run = (eventTokenIds: boolean) => {
      const e = new Engine(cfg({ blockSize: 4, numGpuBlocks: 8 }), undefined, { eventTokenIds });
      const arrivals = [0, 1, 2].map((k) => ({ atMs: k * 50, req: { id: `r${k}`, prompt: [...tokens(1, 9), ...tokens(k + 2, 7)], output: tokens(9, 6) } }));
      return drive(e, arrivals);
    };
    const full = run(true);
    const bare = run(false);
    const withoutTokens = full.events.map((x) => (x.type === 'BlockStored' ? { ...x, tokenIds: [] } : x));
    expect(full.events.some((x) => x.type === 'BlockStored' && x.tokenIds.length > 0)).toBe(true);
    expect(full.events.some((x) => x.type === 'BlockRemoved')).toBe(true);
    expect(bare.events).toEqual(withoutTokens);
    expect(bare.endMs).toBe(full.endMs);
  });

  it('uses precomputed prompt hashes when the driver passes them', () => {
    const e = new Engine(cfg({ blockSize: 8 }));
    const prompt = tokens(5, 40);
    const fake = [11, 22, 33, 44, 55];
    drive(e, [{ atMs: 0, req: { id: 'a', prompt, promptHashes: fake, output: [1] } }]);
    expect([...e.cachedBlockHashes()].sort()).toEqual(fake);
  });

  it('evicts least recently used blocks only when space is needed, and says so', () => {
    const e = new Engine(cfg({ blockSize: 4, numGpuBlocks: 10, watermark: 0 }));
    const cached = new Set<number>();
    const a = tokens(1, 16);
    const b = tokens(2, 16);
    const r1 = drive(e, [
      { atMs: 0, req: { id: 'a', prompt: a, output: [7] } },
      { atMs: 100, req: { id: 'b', prompt: b, output: [7] } },
    ]);
    replayEvents(cached, r1.events);
    expect(r1.events.some((x) => x.type === 'BlockRemoved')).toBe(false);
    expect(e.stats().cachedFreeBlocks).toBe(8);
    // c needs 4 blocks: 2 are free, 2 are evicted from a (the least recently used prompt), tail first.
    const r2 = drive(e, [{ atMs: 200, req: { id: 'c', prompt: tokens(3, 16), output: [7] } }], { startMs: 200 });
    replayEvents(cached, r2.events);
    const removed = r2.events.filter((x) => x.type === 'BlockRemoved').flatMap((x) => x.blockHashes);
    expect(removed).toEqual(blockHashes(a, 4).slice(2).reverse());
    expect(cached).toEqual(e.cachedBlockHashes());
    // b hits the whole blocks within its first 15 tokens and recomputes its last block in a new one,
    // which evicts the least recently used block left (a's second); a then hits its first block.
    const r3 = drive(e, [
      { atMs: 300, req: { id: 'b2', prompt: b, output: [7] } },
      { atMs: 300, req: { id: 'a2', prompt: a, output: [7] } },
    ], { startMs: 300 });
    expect(r3.traces.get('b2')!.cachedTokens).toBe(12);
    expect(r3.traces.get('a2')!.cachedTokens).toBe(4);
  });

  it('reports no hits and no events with prefix caching off', () => {
    const e = new Engine(cfg({ enablePrefixCaching: false }));
    const prompt = tokens(1, 500);
    const { traces, events } = drive(e, [
      { atMs: 0, req: { id: 'a', prompt, output: tokens(2, 70) } },
      { atMs: 10_000, req: { id: 'b', prompt, output: tokens(2, 3) } },
    ]);
    expect(traces.get('b')!.cachedTokens).toBe(0);
    expect(events).toEqual([]);
    expect(e.cachedBlockHashes().size).toBe(0);
    expect(e.stats()).toMatchObject({ activeBlocks: 0, cachedFreeBlocks: 0 });
  });

  it('resets the prefix cache only when no block is referenced', () => {
    const e = new Engine(cfg());
    const prompt = tokens(1, 300);
    e.add({ id: 'a', prompt, output: tokens(2, 3) });
    const cached = new Set<number>();
    replayEvents(cached, e.step(0).events);
    expect(e.resetPrefixCache()).toEqual({ ok: false, events: [] });
    replayEvents(cached, drive(e, [], { startMs: 100 }).events);
    expect(cached.size).toBeGreaterThan(0);
    const reset = e.resetPrefixCache();
    expect(reset).toEqual({ ok: true, events: [{ type: 'AllBlocksCleared' }] });
    replayEvents(cached, reset.events);
    expect(cached.size).toBe(0);
    expect(e.cachedBlockHashes().size).toBe(0);
    e.assertInvariants();
    const again = drive(e, [{ atMs: 0, req: { id: 'a', prompt, output: [1] } }]);
    expect(again.traces.get('a')!.cachedTokens).toBe(0);
  });

  it('counts prefix queries and hits in tokens', () => {
    const e = new Engine(cfg());
    const prompt = tokens(1, 1000);
    drive(e, [
      { atMs: 0, req: { id: 'a', prompt, output: [1] } },
      { atMs: 1000, req: { id: 'b', prompt, output: [1, 2] } },
    ]);
    expect(e.stats()).toMatchObject({ prefixQueries: 2000, prefixHits: 960, promptTokens: 2000, generationTokens: 3 });
  });
});
