import { describe, expect, it } from 'vitest';
import { runWorkload } from '../../../src/client/runner/run-workload.ts';
import { createRng } from '../../../src/core/rng.ts';
import type { Schedule, Workload } from '../../../src/client/workloads/types.ts';
import { VirtualClock } from '../helpers/virtual-clock.ts';
import { fakeServer, script, scripts, turn } from '../helpers/fake-send.ts';
import { toRecord } from '../../../src/client/runner/run-context.ts';
import type { TurnResult } from '../../../src/client/runner/types.ts';

function workload(s: ReturnType<typeof scripts>, schedule: Schedule): Workload {
  return { name: 'test', scripts: s, schedule, params: {} };
}

describe('history', () => {
  it('sends the preamble, earlier user turns and their REAL answers when keepHistory is set', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock);
    const sc = script('a', [turn('one'), turn('two'), turn('three')], { preamble: [{ role: 'system', content: 'sys' }] });
    await clock.drive(runWorkload(workload([sc], { kind: 'closed', concurrency: 1 }), { send: srv.send, clock }));
    expect(srv.log[2].req.messages).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'answer a#1' },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: 'answer a#2' },
      { role: 'user', content: 'three' },
    ]);
  });

  it('sends only the preamble and the current turn without keepHistory', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock);
    const sc = script('a', [turn('one'), turn('two')], { keepHistory: false, preamble: [{ role: 'system', content: 'doc' }] });
    await clock.drive(runWorkload(workload([sc], { kind: 'closed', concurrency: 1 }), { send: srv.send, clock }));
    expect(srv.log[1].req.messages).toEqual([
      { role: 'system', content: 'doc' },
      { role: 'user', content: 'two' },
    ]);
  });

  it('returns transcripts with the real answers', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock);
    const out = await clock.drive(runWorkload(workload(scripts(1, 2), { kind: 'closed', concurrency: 1 }), { send: srv.send, clock }));
    expect(out.transcripts()[0].messages.map((m) => m.content)).toEqual(['u0.0', 'answer c0#1', 'u0.1', 'answer c0#2']);
  });
});

describe('closed loop', () => {
  it('keeps at most N conversations in flight and runs every turn', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 100);
    const out = await clock.drive(runWorkload(workload(scripts(5, 3), { kind: 'closed', concurrency: 2 }), { send: srv.send, clock }));
    expect(out.records).toHaveLength(15);
    expect(srv.maxInFlight()).toBe(2);
    // 5 conversations × 300 ms on 2 slots: 3 rounds → 900 ms.
    expect(out.endMs - out.startMs).toBe(900);
  });

  it('waits each later turn\'s think time after the previous answer', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 100);
    const out = await clock.drive(runWorkload(workload(scripts(1, 3, 250), { kind: 'closed', concurrency: 1 }), { send: srv.send, clock }));
    expect(out.records.map((r) => r.sentAtMs)).toEqual([0, 350, 700]);
    expect(out.records.map((r) => r.turn)).toEqual([1, 2, 3]);
  });

  it('ends a history-keeping conversation at its first failed turn, and records the failure', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 10, (req) => (req.conversationId === 'c0' && req.turn === 2 ? 500 : null));
    const out = await clock.drive(runWorkload(workload(scripts(2, 3), { kind: 'closed', concurrency: 2 }), { send: srv.send, clock }));
    const c0 = out.records.filter((r) => r.conversationId === 'c0');
    expect(c0.map((r) => [r.turn, r.ok, r.status])).toEqual([
      [1, true, 200],
      [2, false, 500],
    ]);
    expect(out.records.filter((r) => r.conversationId === 'c1')).toHaveLength(3);
  });

  it('copies the label and script tags onto every record', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock);
    const sc = script('a', [turn('x')], { tags: { docType: 'CODE' } });
    const out = await clock.drive(runWorkload(workload([sc], { kind: 'closed', concurrency: 1 }), { send: srv.send, clock, label: 'L' }));
    expect(out.records[0]).toMatchObject({ label: 'L', tags: { docType: 'CODE' }, conversationId: 'a', turn: 1, retries: 0, lateMs: null });
  });
});

describe('records', () => {
  it('carry the serving overhead (client TTFT − engine TTFT), null without engine timing or on failure', () => {
    const r: TurnResult = {
      ok: true, status: 200, error: null, failure: null, sentAtMs: 1000, ttftMs: 42, ttfatMs: 42, engineTtftMs: 30, e2eMs: 60, tpotMs: 1,
      itlMs: [], inputTokens: 5, outputTokens: 3, cachedTokens: 0, worker: 'w', content: 'x', reasoning: '', retries: 0,
    };
    expect(toRecord(r, 'a', 1, 400, null, null, undefined)).toMatchObject({ sentAtMs: 600, ttftMs: 42, servingOverheadMs: 12 });
    expect(toRecord({ ...r, engineTtftMs: null }, 'a', 1, 0, null, null, undefined).servingOverheadMs).toBeNull();
    expect(toRecord({ ...r, engineTtftMs: undefined }, 'a', 1, 0, null, null, undefined).servingOverheadMs).toBeNull();
    expect(toRecord({ ...r, ok: false, error: 'stream error: x' }, 'a', 1, 0, null, null, undefined).servingOverheadMs).toBeNull();
    // A retried request's TTFT holds the failed attempts and the backoff: no serving overhead.
    expect(toRecord({ ...r, retries: 2 }, 'a', 1, 0, null, null, undefined)).toMatchObject({ servingOverheadMs: null, retries: 2, attempts: 3 });
  });
});

describe('open loop', () => {
  it('sends every turn at its atMs even when answers are slower than the gaps', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 1000);
    const s = [script('a', [turn('1', { atMs: 0 }), turn('2', { atMs: 100 })]), script('b', [turn('1', { atMs: 50 }), turn('2', { atMs: 200 })])];
    const out = await clock.drive(runWorkload(workload(s, { kind: 'open' }), { send: srv.send, clock }));
    expect(srv.log.map((l) => [l.req.conversationId, l.req.turn, l.at])).toEqual([
      ['a', 1, 0],
      ['b', 1, 50],
      ['a', 2, 100],
      ['b', 2, 200],
    ]);
    expect(out.records.every((r) => r.lateMs === 0)).toBe(true);
    expect(srv.maxInFlight()).toBe(4);
  });

  it('schedules turns without atMs at the previous send time plus their delay', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 10);
    const s = [script('a', [turn('1', { delayMs: 30 }), turn('2', { delayMs: 70 })], { keepHistory: false })];
    await clock.drive(runWorkload(workload(s, { kind: 'open' }), { send: srv.send, clock }));
    expect(srv.log.map((l) => l.at)).toEqual([30, 100]);
  });

  it('records how late a send was when the clock overshot its due time', async () => {
    // A clock whose sleeps overshoot by 7 ms, like a busy event loop.
    const inner = new VirtualClock();
    const clock = { now: () => inner.now(), sleep: (ms: number, s?: AbortSignal) => inner.sleep(ms > 0 ? ms + 7 : ms, s) };
    const srv = fakeServer(inner, () => 1);
    const s = [script('a', [turn('1', { atMs: 100 })])];
    const out = await inner.drive(runWorkload(workload(s, { kind: 'open' }), { send: srv.send, clock }));
    expect(out.records[0].lateMs).toBe(7);
  });
});

describe('clients schedule', () => {
  it('round-robins over each client\'s active conversations, one request at a time', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 10);
    const sched: Schedule = { kind: 'clients', numClients: 1, maxActiveConversations: 2, sampling: 'round_robin' };
    const out = await clock.drive(runWorkload(workload(scripts(3, 2), sched), { send: srv.send, clock }));
    expect(srv.log.map((l) => `${l.req.conversationId}#${l.req.turn}`)).toEqual(['c0#1', 'c1#1', 'c0#2', 'c1#2', 'c2#1', 'c2#2']);
    expect(srv.maxInFlight()).toBe(1);
    expect(out.records).toHaveLength(6);
  });

  it('runs clients in parallel over a shared queue of conversations', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 10);
    const sched: Schedule = { kind: 'clients', numClients: 3, maxActiveConversations: 1, sampling: 'round_robin' };
    const out = await clock.drive(runWorkload(workload(scripts(6, 2), sched), { send: srv.send, clock }));
    expect(srv.maxInFlight()).toBe(3);
    expect(out.records).toHaveLength(12);
    expect(out.endMs - out.startMs).toBe(40);
  });

  it('random sampling is seeded: same seed, same order; every turn still runs in order', async () => {
    const order = async (seed: number) => {
      const clock = new VirtualClock();
      const srv = fakeServer(clock, () => 10);
      const sched: Schedule = { kind: 'clients', numClients: 1, maxActiveConversations: 4, sampling: 'random' };
      await clock.drive(runWorkload(workload(scripts(4, 3), sched), { send: srv.send, clock, rng: createRng(seed) }));
      return srv.log.map((l) => `${l.req.conversationId}#${l.req.turn}`);
    };
    const a = await order(1);
    expect(await order(1)).toEqual(a);
    expect(a).toHaveLength(12);
    for (const c of ['c0', 'c1', 'c2', 'c3']) expect(a.filter((x) => x.startsWith(c))).toEqual([`${c}#1`, `${c}#2`, `${c}#3`]);
    const others = await Promise.all([2, 3, 4, 5].map(order));
    expect(others.some((o) => o.join() !== a.join())).toBe(true);
  });

  it('maxNumRequests stops new conversations but finishes the started ones (no early stop)', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 10);
    const sched: Schedule = { kind: 'clients', numClients: 1, maxActiveConversations: 2, sampling: 'round_robin', maxNumRequests: 3 };
    const out = await clock.drive(runWorkload(workload(scripts(4, 3), sched), { send: srv.send, clock }));
    // c0 and c1 are started; both finish all 3 turns; c2 and c3 never start.
    expect(new Set(out.records.map((r) => r.conversationId))).toEqual(new Set(['c0', 'c1']));
    expect(out.records).toHaveLength(6);
  });

  it('maxNumRequests with earlyStop stops every client at the limit', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 10);
    const sched: Schedule = { kind: 'clients', numClients: 2, maxActiveConversations: 1, sampling: 'round_robin', maxNumRequests: 4, earlyStop: true };
    const out = await clock.drive(runWorkload(workload(scripts(4, 5), sched), { send: srv.send, clock }));
    expect(out.records).toHaveLength(4);
  });

  it('earlyStop stops all clients once one runs out of work', async () => {
    const clock = new VirtualClock();
    // Client 0 gets a 1-turn conversation, client 1 a 10-turn one.
    const s = [script('short', [turn('x')]), script('long', Array.from({ length: 10 }, (_, i) => turn(`y${i}`)))];
    const srv = fakeServer(clock, () => 10);
    const sched: Schedule = { kind: 'clients', numClients: 2, maxActiveConversations: 1, sampling: 'round_robin', earlyStop: true };
    const out = await clock.drive(runWorkload(workload(s, sched), { send: srv.send, clock }));
    expect(out.records.filter((r) => r.conversationId === 'long').length).toBeLessThan(3);
    const clock2 = new VirtualClock();
    const srv2 = fakeServer(clock2, () => 10);
    const out2 = await clock2.drive(runWorkload(workload(s, { ...sched, earlyStop: false }), { send: srv2.send, clock: clock2 }));
    expect(out2.records).toHaveLength(11);
  });

  it('warmupStep sends every first turn unmeasured, then measures from turn 2 with the warm answers in history', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 10);
    const sched: Schedule = { kind: 'clients', numClients: 2, maxActiveConversations: 1, sampling: 'round_robin', warmupStep: true };
    const out = await clock.drive(runWorkload(workload(scripts(4, 3), sched), { send: srv.send, clock }));
    expect(srv.log).toHaveLength(12);
    expect(out.records).toHaveLength(8);
    expect(out.records.every((r) => r.turn >= 2)).toBe(true);
    expect(out.warmup).toEqual({ requests: 4, failed: 0, durationMs: 20 });
    expect(out.records.some((r) => r.sentAtMs === 0)).toBe(true);
    const c2t2 = srv.log.find((l) => l.req.conversationId === 'c2' && l.req.turn === 2)!;
    expect(c2t2.req.messages[1]).toEqual({ role: 'assistant', content: 'answer c2#1' });
  });

  it('paces a client by a seeded Poisson process at requestRate', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 1);
    const sched: Schedule = { kind: 'clients', numClients: 1, maxActiveConversations: 1, sampling: 'round_robin', requestRate: 10 };
    await clock.drive(runWorkload(workload(scripts(1, 400), sched), { send: srv.send, clock, rng: createRng(7) }));
    const times = srv.log.map((l) => l.at);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    // Mean gap of an exponential with rate 10/s is 100 ms (± a few standard errors of 5 ms).
    expect(mean).toBeGreaterThan(85);
    expect(mean).toBeLessThan(115);
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    expect(sd / mean).toBeGreaterThan(0.8);
  });

  it('rejects a schedule with fewer conversations than clients', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock);
    const sched: Schedule = { kind: 'clients', numClients: 3, maxActiveConversations: 1, sampling: 'round_robin' };
    await expect(clock.drive(runWorkload(workload(scripts(2, 1), sched), { send: srv.send, clock }))).rejects.toThrow(/at least as many conversations/);
  });
});

describe('abort', () => {
  it('stops sending on abort and keeps answers that arrive within the grace period', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 100);
    const ac = new AbortController();
    void clock.sleep(150).then(() => ac.abort());
    const out = await clock.drive(
      runWorkload(workload(scripts(4, 5), { kind: 'closed', concurrency: 2 }), { send: srv.send, clock, signal: ac.signal, abortGraceMs: 1000 }),
    );
    expect(out.interrupted).toBe(true);
    // Turns 1 (0–100) and 2 (100–200) of two conversations; nothing sent after 150.
    expect(out.records).toHaveLength(4);
    expect(srv.log.every((l) => l.at <= 150)).toBe(true);
    expect(out.cancelledInFlight).toBe(0);
  });

  it('cancels in-flight requests after the grace period and leaves them out of the records', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 10_000);
    const ac = new AbortController();
    void clock.sleep(50).then(() => ac.abort());
    const out = await clock.drive(
      runWorkload(workload(scripts(3, 2), { kind: 'closed', concurrency: 3 }), { send: srv.send, clock, signal: ac.signal, abortGraceMs: 200 }),
    );
    expect(out.records).toHaveLength(0);
    expect(out.cancelledInFlight).toBe(3);
    expect(clock.now()).toBe(250);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock);
    const out = await clock.drive(runWorkload(workload(scripts(2, 2), { kind: 'open' }), { send: srv.send, clock, signal: AbortSignal.abort() }));
    expect(srv.log).toHaveLength(0);
    expect(out.records).toHaveLength(0);
  });
});
