import { describe, expect, it } from 'vitest';
import { blockHashes } from '../../src/core/block-hash.ts';
import { RouterBlockView } from '../../src/llama/router-view.ts';

const seq = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe("llama-worker's KV events in the router's blocks", () => {
  it('stores the full blocks of a prompt, chained from the root, with their token ids', () => {
    const v = new RouterBlockView(2, 4);
    const tokens = seq(1, 10);
    const events = v.hold(0, tokens);
    expect(events).toEqual([{ type: 'BlockStored', blockHashes: blockHashes(tokens, 4), parentHash: null, tokenIds: seq(1, 8), blockSize: 4 }]);
  });

  it("a slot's next prompt removes the blocks past the shared prefix and stores the new ones after it", () => {
    const v = new RouterBlockView(1, 4);
    const a = seq(1, 12);
    v.hold(0, a);
    const b = [...seq(1, 4), ...seq(100, 8)];
    const hb = blockHashes(b, 4);
    const ha = blockHashes(a, 4);
    expect(v.hold(0, b)).toEqual([
      { type: 'BlockRemoved', blockHashes: ha.slice(1) },
      { type: 'BlockStored', blockHashes: hb.slice(1), parentHash: hb[0], tokenIds: seq(100, 8), blockSize: 4 },
    ]);
  });

  it('announces a block once while several slots hold it, and removes it when the last lets it go', () => {
    const v = new RouterBlockView(2, 4);
    const shared = seq(1, 8);
    expect(v.hold(0, shared)).toHaveLength(1);
    expect(v.hold(1, shared)).toEqual([]);
    expect(v.hold(0, seq(50, 4)).find((e) => e.type === 'BlockRemoved')).toBeUndefined();
    const last = v.hold(1, seq(60, 4));
    expect(last[0]).toEqual({ type: 'BlockRemoved', blockHashes: blockHashes(shared, 4) });
    expect(v.clear()).toEqual([{ type: 'AllBlocksCleared' }]);
  });
});
