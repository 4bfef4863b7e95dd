import { describe, expect, it } from 'vitest';
import { KvPool } from '../../../src/mocker/engine/kv-pool.ts';
import type { KvEvent } from '../../../src/mocker/engine/types.ts';

const toks = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('KV pool', () => {
  it('keeps released hashed blocks cached and evicts the least recently released first, only when needed', () => {
    const pool = new KvPool(3, 2, true);
    const ev: KvEvent[] = [];
    const blocks = [pool.allocate(ev), pool.allocate(ev), pool.allocate(ev)];
    expect(blocks).toEqual([0, 1, 2]);
    expect(pool.store(0, 100)).toBe(true);
    pool.announceStored(ev, [100], null, toks(2));
    expect(pool.store(1, 101)).toBe(true);
    pool.announceStored(ev, [101], 100, toks(2)); // continues the chain: merged
    expect(pool.store(2, 200)).toBe(true);
    pool.announceStored(ev, [200], null, toks(2));
    expect(ev).toEqual([
      { type: 'BlockStored', blockHashes: [100, 101], parentHash: null, tokenIds: [0, 1, 0, 1], blockSize: 2 },
      { type: 'BlockStored', blockHashes: [200], parentHash: null, tokenIds: [0, 1], blockSize: 2 },
    ]);
    expect(pool.allocate(ev)).toBe(-1); // all held: nothing to evict
    pool.release(1);
    pool.release(0);
    pool.release(2);
    expect(pool.cachedFree).toBe(3);
    expect(pool.held).toBe(0);
    pool.acquire(pool.lookup(101)); // touch: leaves the LRU
    pool.assertInvariants();
    ev.length = 0;
    expect(pool.allocate(ev)).toBe(0); // block 1 is held again, so 0 is the oldest cached-free
    expect(ev).toEqual([{ type: 'BlockRemoved', blockHashes: [100] }]);
    expect(pool.lookup(100)).toBe(-1);
    expect(pool.allocate(ev)).toBe(2);
    expect(ev).toEqual([{ type: 'BlockRemoved', blockHashes: [100, 200] }]);
    expect(pool.cachedHashes()).toEqual(new Set([101]));
    pool.assertInvariants();
  });

  it('refuses to clear while a block is referenced, then clears everything with one event', () => {
    const pool = new KvPool(2, 1, true);
    const ev: KvEvent[] = [];
    const b = pool.allocate(ev);
    pool.store(b, 7);
    expect(pool.clear(ev)).toBe(false);
    pool.release(b);
    ev.length = 0;
    expect(pool.clear(ev)).toBe(true);
    expect(ev).toEqual([{ type: 'AllBlocksCleared' }]);
    expect(pool.cachedHashes().size).toBe(0);
    expect(pool.available).toBe(2);
    pool.assertInvariants();
  });

  it('with prefix caching off, stores and emits nothing and frees blocks straight away', () => {
    const pool = new KvPool(2, 1, false);
    const ev: KvEvent[] = [];
    const b = pool.allocate(ev);
    expect(pool.store(b, 7)).toBe(false);
    pool.release(b);
    expect(ev).toEqual([]);
    expect(pool.lookup(7)).toBe(-1);
    expect(pool.cachedFree).toBe(0);
    pool.assertInvariants();
  });

  it('keeps a duplicate hash private and refuses double releases', () => {
    const pool = new KvPool(2, 1, true);
    const ev: KvEvent[] = [];
    const a = pool.allocate(ev);
    const b = pool.allocate(ev);
    expect(pool.store(a, 7)).toBe(true);
    expect(pool.isCached(7)).toBe(true);
    expect(pool.store(b, 7)).toBe(false); // a duplicate stays private
    pool.assertInvariants();
    pool.release(b);
    expect(() => pool.release(b)).toThrow(/not held/);
  });

  it('detects broken state in assertInvariants', () => {
    const pool = new KvPool(4, 1, true);
    pool.allocate([]);
    (pool as unknown as { refs: Int32Array }).refs[0] = -1;
    expect(() => pool.assertInvariants()).toThrow(/negative refcount/);
    const other = new KvPool(4, 1, true);
    const ev: KvEvent[] = [];
    other.store(other.allocate(ev), 5);
    (other as unknown as { hashes: Float64Array }).hashes[0] = 6; // block 0 claims a hash the table does not map to it
    expect(() => other.assertInvariants()).toThrow(/map/);
  });
});
