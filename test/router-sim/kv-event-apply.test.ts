import { describe, expect, it } from 'vitest';
import { blockHashes, hashBlock } from '../../src/core/block-hash.ts';
import { KvIndexer } from '../../src/router-sim/indexer.ts';
import { externalKey, KvEventApplier, VERIFY_BLOCKS } from '../../src/router-sim/kv-event-apply.ts';

const BS = 4;
const tokens = Array.from({ length: 16 }, (_, i) => 100 + i);
const local = blockHashes(tokens, BS);

describe('KvEventApplier', () => {
  it('with kvlab hashes (external == local) rebuilds the same index the worker holds', () => {
    const ix = new KvIndexer(2);
    const ap = new KvEventApplier(ix, BS);
    ap.apply(0, [
      { type: 'BlockStored', blockHashes: local.slice(0, 2), parentHash: null, tokenIds: tokens.slice(0, 8), blockSize: BS },
      { type: 'BlockStored', blockHashes: local.slice(2), parentHash: local[1], tokenIds: tokens.slice(8), blockSize: BS },
    ]);
    expect(Array.from(ix.overlaps(local))).toEqual([4, 0]);
    expect(ap.localOf(0, local[3])).toBe(local[3]);
  });

  it('maps foreign external hashes to local hashes computed from token ids, and removes through the map', () => {
    const ix = new KvIndexer(1);
    const ap = new KvEventApplier(ix, BS);
    const ext = [10n ** 18n + 1n, 10n ** 18n + 2n, 10n ** 18n + 3n, 10n ** 18n + 4n];
    const r = ap.apply(0, [
      { type: 'BlockStored', blockHashes: ext.slice(0, 1), parentHash: null, tokenIds: tokens.slice(0, 4), blockSize: BS },
      { type: 'BlockStored', blockHashes: ext.slice(1), parentHash: ext[0], tokenIds: tokens.slice(4), blockSize: BS },
    ]);
    expect(r).toEqual({ applied: 2, skipped: 0 });
    expect(Array.from(ix.overlaps(local))).toEqual([4]);
    expect(ap.localOf(0, ext[2])).toBe(local[2]);
    expect(ap.localOf(0, ext[2])).toBe(hashBlock(local[1], tokens, 8, 4));
    ap.apply(0, [{ type: 'BlockRemoved', blockHashes: [ext[1]] }]);
    expect(Array.from(ix.overlaps(local))).toEqual([1]);
    expect(ix.blocksOf(0)).toBe(3);
    ap.apply(0, [{ type: 'AllBlocksCleared' }]);
    expect(ix.blocksOf(0)).toBe(0);
    expect(ap.localOf(0, ext[0])).toBeUndefined();
  });

  it('accepts byte-string hashes and distinguishes them from integers', () => {
    expect(externalKey(new Uint8Array([1, 255]))).toBe('x01ff');
    expect(externalKey(5n)).toBe(5);
    expect(externalKey(2n ** 60n)).not.toBe(externalKey(Number(2n ** 60n)));
    const ix = new KvIndexer(1);
    const ap = new KvEventApplier(ix, BS);
    ap.apply(0, [{ type: 'BlockStored', blockHashes: [new Uint8Array([7, 7])], parentHash: null, tokenIds: tokens.slice(0, 4), blockSize: BS }]);
    expect(ix.holds(0, local[0])).toBe(true);
    ap.apply(0, [{ type: 'BlockRemoved', blockHashes: [new Uint8Array([7, 7])] }]);
    expect(ix.holds(0, local[0])).toBe(false);
  });

  it('keeps integer, negative, huge and string external hashes apart in one worker mapping', () => {
    const ix = new KvIndexer(1);
    const ap = new KvEventApplier(ix, BS);
    // One chain whose four blocks carry four kinds of external hash; -3 and 3 must not meet.
    const ext = [3, -3, 2n ** 60n, 'h3'];
    ap.apply(0, [{ type: 'BlockStored', blockHashes: ext, parentHash: null, tokenIds: tokens, blockSize: BS }]);
    expect(ext.map((h) => ap.localOf(0, h))).toEqual(local);
    ap.apply(0, [{ type: 'BlockRemoved', blockHashes: [-3, 'h3'] }]);
    expect([ix.holds(0, local[0]), ix.holds(0, local[1]), ix.holds(0, local[2]), ix.holds(0, local[3])]).toEqual([true, false, true, false]);
    expect(ap.localOf(0, 3)).toBe(local[0]);
    expect(ap.localOf(0, -3)).toBeUndefined();
  });

  it('skips and counts stores with a different block size or missing tokens', () => {
    const ix = new KvIndexer(1);
    const ap = new KvEventApplier(ix, BS);
    const r = ap.apply(0, [
      { type: 'BlockStored', blockHashes: [6], parentHash: null, tokenIds: tokens.slice(0, 8), blockSize: 8 },
      { type: 'BlockStored', blockHashes: [7, 8], parentHash: null, tokenIds: tokens.slice(0, 5), blockSize: BS },
    ]);
    expect(r).toEqual({ applied: 0, skipped: 2 });
    expect(ap.skipped[0]).toBe(2);
    expect(ix.size).toBe(0);
  });

  it('chains a store with an unknown parent on the external parent hash, so kvlab workers recover after a reset', () => {
    const ix = new KvIndexer(1);
    const ap = new KvEventApplier(ix, BS);
    ap.apply(0, [{ type: 'BlockStored', blockHashes: local.slice(0, 2), parentHash: null, tokenIds: tokens.slice(0, 8), blockSize: BS }]);
    ap.resetWorker(0);
    const r = ap.apply(0, [{ type: 'BlockStored', blockHashes: local.slice(2), parentHash: local[1], tokenIds: tokens.slice(8), blockSize: BS }]);
    expect(r).toEqual({ applied: 1, skipped: 0 });
    expect(ap.orphans[0]).toBe(1);
    expect(ix.holds(0, local[3])).toBe(true);
    expect(Array.from(ix.overlaps(local))).toEqual([0]); // leading blocks are gone until re-stored
  });
  it('with trustedHashes builds the same index as re-hashing, for kvlab event streams with removals and orphans', () => {
    const seqs = [0, 1, 2].map((k) => Array.from({ length: 40 }, (_, i) => (i < 12 ? 7 + i : 1000 * k + i)));
    const hashes = seqs.map((t) => blockHashes(t, BS));
    const general = new KvEventApplier(new KvIndexer(2), BS);
    const trusted = new KvEventApplier(new KvIndexer(2), BS, { trustedHashes: true });
    const events = [
      { type: 'BlockStored' as const, blockHashes: hashes[0].slice(0, 5), parentHash: null, tokenIds: seqs[0].slice(0, 20), blockSize: BS },
      { type: 'BlockStored' as const, blockHashes: hashes[1].slice(4, 8), parentHash: hashes[1][3], tokenIds: seqs[1].slice(16, 32), blockSize: BS },
      { type: 'BlockRemoved' as const, blockHashes: [hashes[0][4], hashes[2][0], hashes[1][7]] },
      { type: 'BlockStored' as const, blockHashes: hashes[2].slice(0, 10), parentHash: null, tokenIds: seqs[2].slice(0, 40), blockSize: BS },
      { type: 'BlockStored' as const, blockHashes: hashes[0].slice(5, 6), parentHash: hashes[0][4], tokenIds: seqs[0].slice(20, 24), blockSize: 8 },
    ];
    for (const w of [0, 1]) {
      expect(trusted.apply(w, events)).toEqual(general.apply(w, events));
      trusted.apply(w, [{ type: 'BlockRemoved', blockHashes: hashes[2].slice(6) }]);
      general.apply(w, [{ type: 'BlockRemoved', blockHashes: hashes[2].slice(6) }]);
    }
    expect(trusted.orphans).toEqual(general.orphans);
    expect(trusted.orphans[0]).toBe(1);
    for (const h of hashes) expect(Array.from(trusted.indexer.overlaps(h))).toEqual(Array.from(general.indexer.overlaps(h)));
    for (const w of [0, 1]) {
      expect(trusted.indexer.blocksOf(w)).toBe(general.indexer.blocksOf(w));
      for (const h of hashes.flat()) expect(trusted.localOf(w, h)).toBe(general.localOf(w, h));
    }
    expect(trusted.indexer.size).toBe(general.indexer.size);
  });

  it('with trustedHashes applies stores that carry no token ids from the start', () => {
    const ev = { type: 'BlockStored' as const, blockHashes: local.slice(0, 3), parentHash: null, tokenIds: [], blockSize: BS };
    const trusted = new KvEventApplier(new KvIndexer(1), BS, { trustedHashes: true });
    expect(trusted.isTrusted(0)).toBe(true);
    expect(trusted.apply(0, [ev])).toEqual({ applied: 1, skipped: 0 });
    expect(Array.from(trusted.indexer.overlaps(local))).toEqual([3]);
  });

  it('trusts a worker from its first store without token ids (a kvlab worker), until that worker is reset', () => {
    const ap = new KvEventApplier(new KvIndexer(2), BS);
    const hashOnly = { type: 'BlockStored' as const, blockHashes: local.slice(0, 2), parentHash: null, tokenIds: [], blockSize: BS };
    expect(ap.isTrusted(0)).toBe(false);
    expect(ap.apply(0, [hashOnly])).toEqual({ applied: 1, skipped: 0 });
    expect(ap.isTrusted(0)).toBe(true);
    expect(ap.isTrusted(1)).toBe(false);
    // Its later events are taken as they are: a store's hashes, a removal of a stored hash.
    ap.apply(0, [{ type: 'BlockStored', blockHashes: local.slice(2), parentHash: local[1], tokenIds: [], blockSize: BS }]);
    expect(Array.from(ap.indexer.overlaps(local))).toEqual([4, 0]);
    ap.apply(0, [{ type: 'BlockRemoved', blockHashes: [local[3]] }]);
    expect(Array.from(ap.indexer.overlaps(local))).toEqual([3, 0]);
    // A store of another size teaches nothing; a reset (the publisher may have changed) ends the trust.
    ap.apply(1, [{ ...hashOnly, blockSize: BS * 2 }]);
    expect(ap.isTrusted(1)).toBe(false);
    ap.resetWorker(0);
    expect(ap.isTrusted(0)).toBe(false);
    // A worker whose stores carry token ids is re-hashed as before.
    const ext = [7n * 10n ** 18n, 7n * 10n ** 18n + 1n];
    expect(ap.apply(1, [{ type: 'BlockStored', blockHashes: ext, parentHash: null, tokenIds: tokens.slice(0, 8), blockSize: BS }])).toEqual({ applied: 1, skipped: 0 });
    expect(ap.isTrusted(1)).toBe(false);
    expect(ap.localOf(1, ext[1])).toBe(local[1]);
  });

  describe('trust learned by verification', () => {
    // A chain of VERIFY_BLOCKS + 8 blocks, sent one block per event with its token ids.
    const n = VERIFY_BLOCKS + 8;
    const toks = Array.from({ length: n * BS }, (_, i) => 7 + ((i * 31) % 97));
    const hs = blockHashes(toks, BS);
    const oneByOne = (ext: readonly number[]) =>
      ext.map((h, b) => ({ type: 'BlockStored' as const, blockHashes: [h], parentHash: b === 0 ? null : ext[b - 1], tokenIds: toks.slice(b * BS, (b + 1) * BS), blockSize: BS }));

    it('trusts a worker once its first re-hashed blocks all equal the hashes it sent, and builds the same index', () => {
      const ix = new KvIndexer(1);
      const ap = new KvEventApplier(ix, BS);
      ap.apply(0, oneByOne(hs.slice(0, VERIFY_BLOCKS - 1)));
      expect(ap.isTrusted(0)).toBe(false);
      ap.apply(0, oneByOne(hs).slice(VERIFY_BLOCKS - 1));
      expect(ap.isTrusted(0)).toBe(true);
      expect(Array.from(ix.overlaps(hs))).toEqual([n]);
      // Removals of blocks stored before and after trust both find them.
      ap.apply(0, [{ type: 'BlockRemoved', blockHashes: [hs[3], hs[n - 1]] }]);
      expect(Array.from(ix.overlaps(hs))).toEqual([3]);
      expect(ix.blocksOf(0)).toBe(n - 2);
      ap.apply(0, [{ type: 'AllBlocksCleared' }]);
      expect(ap.isTrusted(0)).toBe(false);
    });

    it('never trusts a worker whose hashes differ from ours: every block stays re-hashed and mapped', () => {
      const ix = new KvIndexer(1);
      const ap = new KvEventApplier(ix, BS);
      // The first block agrees, the others do not (a foreign hash function).
      const ext = hs.map((h, b) => (b === 0 ? h : h + 1));
      ap.apply(0, oneByOne(ext));
      expect(ap.isTrusted(0)).toBe(false);
      expect(Array.from(ix.overlaps(hs))).toEqual([n]);
      expect(ap.localOf(0, ext[n - 1])).toBe(hs[n - 1]);
      ap.apply(0, [{ type: 'BlockRemoved', blockHashes: [ext[5]] }]);
      expect(Array.from(ix.overlaps(hs))).toEqual([5]);
    });
  });
});
