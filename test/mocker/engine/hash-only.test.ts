import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockHashes } from '../../../src/core/block-hash.ts';
import { Engine } from '../../../src/mocker/engine/engine.ts';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig, type EngineRequest, type KvEvent } from '../../../src/mocker/engine/types.ts';
import { drive, tokens, type Arrival } from './drive.ts';

const cfg = (over: Partial<EngineConfig> = {}): EngineConfig => ({ ...DEFAULT_ENGINE_CONFIG, blockSize: 16, numGpuBlocks: 96, ...over });

/** The same request with only its hashes, length and last partial block. */
function hashOnly(req: EngineRequest, bs: number): EngineRequest {
  const p = req.prompt.length;
  const from = p - (p % bs);
  return { id: req.id, prompt: Array.from(req.prompt).slice(from), promptLength: p, promptHashes: blockHashes(req.prompt, bs), output: req.output };
}

const withoutTokens = (events: readonly KvEvent[]): KvEvent[] => events.map((e) => (e.type === 'BlockStored' ? { ...e, tokenIds: [] } : e));

describe('hash-only prompts', () => {
  it('run exactly like the full-token requests: same tokens, times, cache hits and KV events', () => {
    // Conversations of prompt → answer → follow-up (prompt + answer + new tokens), small pool so blocks are evicted.
    const scenario = fc.array(fc.record({ seed: fc.integer({ min: 1, max: 4 }), len: fc.integer({ min: 1, max: 200 }), out: fc.integer({ min: 1, max: 40 }), gap: fc.integer({ min: 0, max: 400 }) }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(scenario, (items) => {
        const bs = 16;
        const arrivals: Arrival[] = [];
        let t = 0;
        items.forEach((it, i) => {
          t += it.gap;
          const answer = tokens(100 + i, it.out);
          // Follow-ups reuse the previous request's prompt and answer when the seeds match.
          const prev = arrivals[arrivals.length - 1];
          const head = prev && items[i - 1].seed === it.seed ? [...Array.from(prev.req.prompt), ...Array.from(prev.req.output)] : tokens(it.seed, it.len);
          arrivals.push({ atMs: t, req: { id: `r${i}`, prompt: [...head, ...tokens(200 + i, it.len % 7)].slice(0, 300), output: answer } });
        });
        const full = drive(new Engine(cfg(), undefined, { eventTokenIds: false }), arrivals, { checkInvariants: true });
        const lean = drive(new Engine(cfg(), undefined, { eventTokenIds: false }), arrivals.map((a) => ({ atMs: a.atMs, req: hashOnly(a.req, bs) })), { checkInvariants: true });
        expect(lean.endMs).toBe(full.endMs);
        expect(withoutTokens(lean.events)).toEqual(withoutTokens(full.events));
        for (const [id, tr] of full.traces) {
          const other = lean.traces.get(id)!;
          expect([other.tokens, other.tokenAtMs, other.cachedTokens]).toEqual([tr.tokens, tr.tokenAtMs, tr.cachedTokens]);
        }
      }),
      { seed: 11, numRuns: 60 },
    );
  });

  it('are refused without hashes, with the wrong tail, or by an engine that puts token ids in its events', () => {
    const req = hashOnly({ id: 'a', prompt: tokens(1, 40), output: [1] }, 16);
    expect(() => new Engine(cfg()).add(req)).toThrow(/eventTokenIds: false/);
    const e = new Engine(cfg(), undefined, { eventTokenIds: false });
    expect(() => e.add({ ...req, promptHashes: undefined })).toThrow(/needs promptHashes/);
    expect(() => e.add({ ...req, prompt: tokens(1, 40) })).toThrow(/carries its last 8 tokens, got 40/);
    expect(() => e.add({ ...req, promptLength: -1 })).toThrow(/promptLength/);
    e.add(req);
    expect(e.hasWork()).toBe(true);
  });
});
