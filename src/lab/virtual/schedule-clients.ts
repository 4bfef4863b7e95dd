/**
 * vLLM's multi-turn benchmark clients in virtual time, with the real runner's rules
 * (client/runner/clients-loop.ts): `numClients` clients share one queue of conversations; each keeps
 * up to `maxActiveConversations` of them active and has one request in flight at a time, taking the
 * next conversation round-robin (or at random); think times are ignored. With `requestRate` (req/s
 * per client) send k+1 is due an exponential gap after send k (seeded, per client), or at once when
 * the answer came later. `maxNumRequests` is split evenly over the clients; a client at its limit
 * activates no new conversation but finishes its active ones, unless `earlyStop`: then the first
 * client to run out of work (or reach its limit) stops every client from sending. `warmupStep` first
 * sends turn 1 of every conversation, `numClients` at a time, unmeasured; the measured phase (and the
 * records' clock) starts when the warmup is over, from turn 2.
 *
 * Approximation: clients act in index order at equal virtual times (in real time, whichever callback
 * runs first); the rng draw order per client matches the real runner.
 */
import type { Schedule } from '../../client/workloads/types.ts';
import { checkClientsSchedule } from '../../client/runner/clients-loop.ts';
import type { Rng } from '../../core/rng.ts';
import type { ScheduleDriver, ScheduleHost } from './schedule-driver.ts';

type ClientsSpec = Extract<Schedule, { kind: 'clients' }>;

interface Client {
  index: number;
  rng: Rng;
  active: number[];
  sent: number;
  nextDueMs: number;
  /** Slot in `active` of the conversation in flight, and when it was sent. */
  slot: number;
  sentAtMs: number;
  done: boolean;
}

/** Exponential gap, ms, for a Poisson process of `ratePerS`. */
function exponentialMs(u: number, ratePerS: number): number {
  return (-Math.log(1 - u) / ratePerS) * 1000;
}

export class ClientsSchedule implements ScheduleDriver {
  private readonly clients: Client[];
  private readonly perClientLimit: number;
  /** Owner client of each conversation's in-flight turn. */
  private readonly owner: Int32Array;
  private qHead = 0;
  private stopped = false;
  // Warmup pool.
  private warmupNext = 0;
  private warmupInFlight = 0;

  constructor(
    private readonly host: ScheduleHost,
    private readonly s: ClientsSpec,
    rng: Rng,
  ) {
    checkClientsSchedule(s, host.conversations.length);
    this.perClientLimit = s.maxNumRequests !== undefined ? Math.floor(s.maxNumRequests / s.numClients) : Infinity;
    this.owner = new Int32Array(host.conversations.length).fill(-1);
    this.clients = Array.from({ length: s.numClients }, (_, c) => ({
      index: c,
      rng: rng.fork(`client-${c}`),
      active: [],
      sent: 0,
      nextDueMs: 0,
      slot: -1,
      sentAtMs: 0,
      done: false,
    }));
  }

  start(): void {
    if (this.s.warmupStep) {
      for (let k = 0; k < this.s.numClients; k++) this.warmupSendNext(0);
      if (this.warmupInFlight === 0) this.startMeasured(0);
    } else {
      this.startMeasured(0);
    }
  }

  turnDone(conv: number, _ok: boolean, atMs: number, warmup: boolean): void {
    if (warmup) {
      this.warmupInFlight--;
      this.warmupSendNext(atMs);
      if (this.warmupInFlight === 0) this.startMeasured(atMs);
      return;
    }
    const c = this.clients[this.owner[conv]];
    this.owner[conv] = -1;
    c.sent++;
    if (this.s.requestRate) c.nextDueMs = c.sentAtMs + exponentialMs(c.rng.next(), this.s.requestRate);
    c.active.splice(c.slot, 1);
    if (!this.host.conversations[conv].ended) c.active.push(conv);
    this.step(c, atMs);
  }

  private warmupSendNext(atMs: number): void {
    const convs = this.host.conversations;
    while (this.warmupNext < convs.length) {
      const conv = convs[this.warmupNext++];
      if (conv.ended) continue;
      this.warmupInFlight++;
      this.host.sendAt(atMs, conv.index, true);
      return;
    }
  }

  private startMeasured(atMs: number): void {
    this.host.startMeasuring(atMs);
    for (const c of this.clients) {
      if (this.s.requestRate) c.nextDueMs = atMs + exponentialMs(c.rng.next(), this.s.requestRate);
      this.step(c, atMs);
    }
  }

  /** The client is free at `atMs`: pick its next conversation and send (or wait for its due time). */
  private step(c: Client, atMs: number): void {
    if (this.stopped || c.done) return this.finish(c);
    const atLimit = c.sent >= this.perClientLimit;
    if (atLimit && this.s.earlyStop) return this.finish(c);
    const convs = this.host.conversations;
    while (!atLimit && c.active.length < this.s.maxActiveConversations && this.qHead < convs.length) {
      const i = this.qHead++;
      if (!convs[i].ended) c.active.push(i);
    }
    if (c.active.length === 0) return this.finish(c);
    c.slot = this.s.sampling === 'random' ? Math.floor(c.rng.next() * c.active.length) : 0;
    if (this.s.requestRate && c.nextDueMs > atMs) this.host.wakeAt(c.nextDueMs, (now) => this.send(c, now));
    else this.send(c, atMs);
  }

  private send(c: Client, atMs: number): void {
    if (this.stopped) return this.finish(c);
    const conv = c.active[c.slot];
    this.owner[conv] = c.index;
    c.sentAtMs = atMs;
    this.host.sendAt(atMs, conv);
  }

  private finish(c: Client): void {
    if (c.done) return;
    c.done = true;
    if (this.s.earlyStop) this.stopped = true;
  }
}
