import { describe, expect, it } from 'vitest';
import { runWorkload } from '../../../src/client/runner/run-workload.ts';
import type { ConversationScript, Workload } from '../../../src/client/workloads/types.ts';
import { VirtualClock } from '../helpers/virtual-clock.ts';
import { fakeServer, script, turn } from '../helpers/fake-send.ts';

function queued(s: ConversationScript[], workers: number): Workload {
  return { name: 'test', scripts: s, schedule: { kind: 'queue', workers }, params: {} };
}

/** n conversations of k turns, every turn (the first included) after a `delayMs` pause. */
function paused(n: number, k: number, delayMs: number): ConversationScript[] {
  return Array.from({ length: n }, (_, i) => script(`c${i}`, Array.from({ length: k }, (_, j) => turn(`u${i}.${j}`, { delayMs }))));
}

describe('turn queue (llm-d schedule)', () => {
  it('takes one turn at a time from a FIFO of conversations, pausing before each from when a worker takes it', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 100);
    const out = await clock.drive(runWorkload(queued(paused(3, 2, 50), 2), { send: srv.send, clock }));
    // t=0: the two workers take c0 and c1 and pause 50 ms; at 150 both answers are in, c0 and c1 go
    // to the tail behind c2, so the freed workers take c2 and then c0 (turn 2), and so on.
    expect(srv.log.map((l) => [`${l.req.conversationId}#${l.req.turn}`, l.at])).toEqual([
      ['c0#1', 50],
      ['c1#1', 50],
      ['c2#1', 200],
      ['c0#2', 200],
      ['c1#2', 350],
      ['c2#2', 350],
    ]);
    expect(srv.maxInFlight()).toBe(2);
    expect(out.records).toHaveLength(6);
  });

  it('keeps one turn per conversation under way even with more workers than conversations', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 100);
    await clock.drive(runWorkload(queued(paused(2, 3, 10), 8), { send: srv.send, clock }));
    expect(srv.maxInFlight()).toBe(2);
    expect(srv.log.filter((l) => l.req.conversationId === 'c0').map((l) => l.at)).toEqual([10, 120, 230]);
  });

  it('ends a conversation that keeps history at its first failed turn, and the others go on', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 100, (req) => (req.conversationId === 'c1' ? 500 : null));
    const out = await clock.drive(runWorkload(queued(paused(3, 2, 0), 2), { send: srv.send, clock }));
    expect(srv.log.map((l) => `${l.req.conversationId}#${l.req.turn}`).sort()).toEqual(['c0#1', 'c0#2', 'c1#1', 'c2#1', 'c2#2']);
    expect(out.records.filter((r) => !r.ok)).toHaveLength(1);
  });

  it('sends nothing new once aborted', async () => {
    const clock = new VirtualClock();
    const srv = fakeServer(clock, () => 100);
    const ac = new AbortController();
    const run = runWorkload(queued(paused(4, 3, 50), 2), { send: srv.send, clock, signal: ac.signal, abortGraceMs: 1000 });
    void clock.sleep(160).then(() => ac.abort());
    const out = await clock.drive(run);
    expect(out.interrupted).toBe(true);
    expect(srv.log.every((l) => l.at < 160)).toBe(true);
    expect(out.records).toHaveLength(2);
  });
});
