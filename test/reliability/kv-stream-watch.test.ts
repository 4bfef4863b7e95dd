/**
 * The router's silent-stream rule for kv mode, in virtual time (src/router-sim/server/kv-stream-watch):
 * a worker whose cache must have changed (a finished request stored new blocks) and whose KV-event
 * stream has said nothing since that request was routed is cleared once the TTL has passed — not
 * before, not when a batch arrived, and not for requests that stored nothing.
 */
import { describe, expect, it } from 'vitest';
import { KvStreamWatch, storedNewBlocks } from '../../src/router-sim/server/kv-stream-watch.ts';

const TTL = 1000;

describe('KvStreamWatch', () => {
  it('reports a worker once, only after the TTL, when a request stored blocks and no batch followed', () => {
    const w = new KvStreamWatch(2, TTL);
    w.routed('a', 1, 0);
    w.finished('a', true, 50);
    expect(w.stale(50)).toEqual([]);
    expect(w.stale(50 + TTL)).toEqual([]); // exactly the TTL: still trusted
    expect(w.stale(51 + TTL)).toEqual([1]);
    expect(w.stale(5000)).toEqual([]); // reported once
  });

  it('trusts a stream that sent a batch after the request was routed, even before it finished', () => {
    const w = new KvStreamWatch(1, TTL);
    w.routed('a', 0, 100);
    w.batch(0, 120); // the request's BlockStored beat the end of its stream
    w.finished('a', true, 150);
    expect(w.stale(10_000)).toEqual([]);
    w.routed('b', 0, 200);
    w.finished('b', true, 300);
    w.batch(0, 400); // or arrived after it
    expect(w.stale(10_000)).toEqual([]);
  });

  it('does not count a batch from before the request was routed', () => {
    const w = new KvStreamWatch(1, TTL);
    w.batch(0, 10);
    w.routed('a', 0, 20);
    w.finished('a', true, 30);
    expect(w.stale(31 + TTL)).toEqual([0]);
  });

  it('ignores requests that stored nothing, failed, or were never routed', () => {
    const w = new KvStreamWatch(2, TTL);
    w.routed('a', 0, 0);
    w.finished('a', false, 10);
    w.finished('ghost', true, 10);
    expect(w.stale(100_000)).toEqual([]);
  });

  it('measures the TTL from the oldest unconfirmed request', () => {
    const w = new KvStreamWatch(1, TTL);
    w.routed('a', 0, 0);
    w.finished('a', true, 100);
    w.routed('b', 0, 500);
    w.finished('b', true, 900);
    expect(w.stale(101 + TTL)).toEqual([0]);
  });

  it('knows when a finished request must have stored new full blocks', () => {
    // 16-token blocks: 40 prompt tokens + 9 answer tokens (8 fed back) = 48 → 3 full blocks.
    expect(storedNewBlocks(40, 9, 2, 16)).toBe(true);
    expect(storedNewBlocks(40, 8, 2, 16)).toBe(false);
    expect(storedNewBlocks(48, 1, 3, 16)).toBe(false); // fully cached prompt, one answer token
    expect(storedNewBlocks(48, 0, 0, 16)).toBe(true);
  });
});
