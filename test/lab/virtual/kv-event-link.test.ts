import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.ts';
import { checkKvLinkSettings, KvEventLink } from '../../../src/lab/virtual/kv-event-link.ts';

const link = (loss = 0, ttlMs = 1000) => new KvEventLink(2, { delayMs: 10, loss, ttlMs }, createRng(1));

describe('KvEventLink', () => {
  it('numbers batches per worker and applies them in order', () => {
    const l = link();
    expect([l.publish(0).seq, l.publish(0).seq, l.publish(1).seq]).toEqual([1, 2, 1]);
    expect([l.arrive(0, 1), l.arrive(0, 2), l.arrive(1, 1)]).toEqual(['apply', 'apply', 'apply']);
    expect(l.stats).toMatchObject({ published: 3, applied: 3, gaps: 0, resyncs: 0 });
  });

  it('detects a sequence gap, asks for one snapshot, skips what the snapshot supersedes, then resumes after it', () => {
    const l = link();
    expect(l.arrive(0, 1)).toBe('apply');
    expect(l.arrive(0, 3)).toBe('resync');
    expect(l.arrive(0, 5)).toBe('skip');
    l.snapshotArrived(0, 5);
    expect(l.arrive(0, 6)).toBe('apply');
    expect(l.arrive(0, 8)).toBe('resync');
    expect(l.stats).toMatchObject({ gaps: 2, resyncs: 2, superseded: 1, applied: 2 });
  });

  it('loses about the asked share of batches, the same ones for the same seed', () => {
    const lost = (seed: number) => {
      const l = new KvEventLink(1, { delayMs: 0, loss: 0.2, ttlMs: 1000 }, createRng(seed));
      return Array.from({ length: 2000 }, () => l.publish(0).lost);
    };
    const a = lost(1);
    expect(lost(1)).toEqual(a);
    expect(lost(2)).not.toEqual(a);
    const share = a.filter(Boolean).length / a.length;
    expect(share).toBeGreaterThan(0.17);
    expect(share).toBeLessThan(0.23);
  });

  it('distrusts a worker it sent work to and has not heard from for longer than the TTL, once per silence', () => {
    const l = link(1, 1000);
    l.routed(1, 0);
    expect(l.silentWorkers(1000)).toEqual([]);
    expect(l.silentWorkers(1000.5)).toEqual([1]);
    expect(l.silentWorkers(5000)).toEqual([]);
    l.arrive(1, 1);
    l.routed(1, 6000);
    expect(l.silentWorkers(7001)).toEqual([1]);
    expect(l.stats.silentResets).toBe(2);
  });

  it('rejects a negative delay and a loss outside [0, 1]', () => {
    expect(() => checkKvLinkSettings({ delayMs: -1, loss: 0 })).toThrow(/kvEventDelayMs must be a finite number ≥ 0, got -1/);
    expect(() => checkKvLinkSettings({ delayMs: 0, loss: 1.5 })).toThrow(/kvEventLoss must be in \[0, 1\], got 1.5/);
    expect(() => checkKvLinkSettings({ delayMs: 0, loss: Number.NaN })).toThrow(/kvEventLoss/);
  });
});
