import { describe, expect, it } from 'vitest';
import { runWarmup, warmupConcurrency } from '../../../src/client/runner/warmup.ts';
import type { Schedule, Workload } from '../../../src/client/workloads/types.ts';
import { VirtualClock } from '../helpers/virtual-clock.ts';
import { fakeServer, script, scripts, turn } from '../helpers/fake-send.ts';

function workload(s: ReturnType<typeof scripts>, schedule: Schedule): Workload {
  return { name: 'test', scripts: s, schedule, params: {} };
}

describe('warm-up requests', () => {
  it("copy the scripts' first turns in order, cycling, each tagged in front of its first message", async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock);
    const w = workload(
      [script('a', [turn('first a', { maxTokens: 7, extraBody: { x: 1 } }), turn('second a')], { preamble: [{ role: 'system', content: 'sys' }] }), script('b', [turn('first b')])],
      { kind: 'closed', concurrency: 1 },
    );
    const out = await clock.drive(runWarmup(w, 3, srv.send, clock));
    expect(out).toEqual({ requests: 3, failed: 0, durationMs: 300 });
    expect(srv.log.map((l) => l.req.messages)).toEqual([
      [{ role: 'system', content: '[kvlab warm-up 1] sys' }, { role: 'user', content: 'first a' }],
      [{ role: 'user', content: '[kvlab warm-up 2] first b' }],
      [{ role: 'system', content: '[kvlab warm-up 3] sys' }, { role: 'user', content: 'first a' }],
    ]);
    expect(srv.log[0].req).toMatchObject({ conversationId: 'warmup-1', scriptIndex: 0, turn: 1, maxTokens: 7, extraBody: { x: 1 } });
    expect(srv.log[1].req.scriptIndex).toBe(1);
    // The workload's own scripts are untouched.
    expect(w.scripts[0].preamble[0].content).toBe('sys');
  });

  it("go at the workload's concurrency (an open loop sends them all at once) and count failures", async () => {
    expect(warmupConcurrency(workload(scripts(4, 1), { kind: 'closed', concurrency: 2 }), 10)).toBe(2);
    expect(warmupConcurrency(workload(scripts(4, 1), { kind: 'clients', numClients: 3, maxActiveConversations: 1, sampling: 'round_robin' }), 10)).toBe(3);
    expect(warmupConcurrency(workload(scripts(4, 1), { kind: 'open' }), 10)).toBe(10);
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 100, (req) => (req.conversationId === 'warmup-2' ? 503 : null));
    const out = await clock.drive(runWarmup(workload(scripts(4, 1), { kind: 'closed', concurrency: 2 }), 4, srv.send, clock));
    expect(srv.maxInFlight()).toBe(2);
    expect(out).toEqual({ requests: 4, failed: 1, durationMs: 200 });
  });

  it("follow the workload's own plan when it has one: its turns alone, cycling, at its concurrency", async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 100);
    const w: Workload = {
      ...workload(scripts(4, 2), { kind: 'queue', workers: 4 }),
      warmup: { requests: 20, concurrency: 1, turns: [turn('short one', { maxTokens: 50, ignoreEos: false }), turn('short two', { maxTokens: 50, ignoreEos: false })] },
    };
    expect(warmupConcurrency(w, 10)).toBe(1);
    const out = await clock.drive(runWarmup(w, 3, srv.send, clock));
    expect(out).toEqual({ requests: 3, failed: 0, durationMs: 300 });
    expect(srv.maxInFlight()).toBe(1);
    expect(srv.log.map((l) => l.req.messages)).toEqual([[{ role: 'user', content: 'short one' }], [{ role: 'user', content: 'short two' }], [{ role: 'user', content: 'short one' }]]);
    expect(srv.log.map((l) => [l.req.conversationId, l.req.maxTokens, l.req.ignoreEos])).toEqual([
      ['warmup-1', 50, false],
      ['warmup-2', 50, false],
      ['warmup-3', 50, false],
    ]);
  });

  it('skip first turns the server would refuse', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock);
    const w = workload([script('long', [turn('x', { promptTokens: 900 })]), script('short', [turn('y', { promptTokens: 100 })])], { kind: 'open' });
    await clock.drive(runWarmup(w, 2, srv.send, clock, undefined, (t) => (t.promptTokens ?? 0) + t.maxTokens <= 500));
    expect(srv.log.map((l) => l.req.scriptIndex)).toEqual([1, 1]);
  });

  it('send nothing for N = 0, or when no script has a first turn; stop when aborted', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock);
    expect(await runWarmup(workload(scripts(2, 1), { kind: 'open' }), 0, srv.send, clock)).toEqual({ requests: 0, failed: 0, durationMs: 0 });
    expect(await runWarmup(workload([script('empty', [])], { kind: 'open' }), 5, srv.send, clock)).toMatchObject({ requests: 0 });
    const ac = new AbortController();
    ac.abort();
    expect(await runWarmup(workload(scripts(2, 1), { kind: 'open' }), 5, srv.send, clock, ac.signal)).toMatchObject({ requests: 0 });
    expect(srv.log).toHaveLength(0);
  });
});
