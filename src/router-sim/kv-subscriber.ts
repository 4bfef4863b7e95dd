/**
 * KV-event intake: one ZeroMQ SUB socket per worker (vLLM's kv-events PUB endpoints, in worker order),
 * each multipart message `[topic, seq, payload]` decoded with core's codec and applied to the router's
 * index through a sink (the RouterCore). Sequence numbers are checked per worker: a gap (lost batches)
 * or a disconnect clears that worker's entries and counts a resync, since its index can no longer be
 * trusted; entries come back as new events arrive. A failure is never swallowed: a batch the sink
 * cannot apply, or a receive loop that breaks, also resyncs the worker (and is counted: `failures`),
 * and a broken loop is started again on a new socket. Counters are exposed for /metrics.
 *
 * Stale and lost signals on purpose (`delayMs`, `loss`): a batch is dropped on arrival with
 * probability `loss` (seeded, one stream per worker: the sequence check then sees the gap and resyncs),
 * and the rest are handled `delayMs` after arrival, in order.
 *
 * A worker in the router's own process (the embedded cluster) may be given as an in-process source
 * instead of an endpoint (core KvFrameSource): its messages arrive synchronously when published —
 * at the end of the step that computed the blocks, as on the virtual clock — and go through the same
 * loss, delay, decoding and sequence checks; it is ready at once and never disconnects.
 *
 * Approximation: no replay (vLLM's optional ROUTER replay socket is not used), so after a resync the
 * index only relearns blocks the worker stores (or re-stores) from then on.
 */
import { Subscriber } from 'zeromq';
import { decodeEventBatch, decodeSeq, type KvFrameSource } from '../core/kv-event-codec.ts';
import type { KvEventLike } from './kv-event-apply.ts';
import { createRng, type Rng } from '../core/rng.ts';

export interface KvSignalOptions {
  /** Handle each batch this many ms after it arrives (default 0). */
  delayMs?: number;
  /** Drop a batch on arrival with this probability (default 0). */
  loss?: number;
  seed?: number | string;
}

export interface KvEventSink {
  applyEvents(worker: number, events: Iterable<KvEventLike>): unknown;
  resetWorker(worker: number): void;
}

export type ResyncReason = 'gap' | 'disconnect' | 'failure';

export interface KvSubscriberHooks {
  onEvents?(worker: number, count: number): void;
  onResync?(worker: number, why: ResyncReason): void;
}

export interface KvSubscriberStats {
  batches: number[];
  events: number[];
  resyncs: number[];
  decodeErrors: number[];
  /** Batches the sink failed to apply, and receive loops that broke (each also a resync). */
  failures: number[];
  /** Last sequence number seen per worker (null before the first batch or after a disconnect). */
  lastSeq: (number | null)[];
  /** Batches dropped on purpose (KvSignalOptions.loss). */
  lost: number[];
}

export interface KvSubscribers {
  readonly stats: KvSubscriberStats;
  /**
   * Resolves true once every socket has completed its ZMTP handshake with its publisher (so its
   * subscription is on the way and later batches are not lost to ZeroMQ's slow-joiner effect), or
   * false after `timeoutMs`.
   */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export function startKvSubscribers(endpoints: readonly (string | KvFrameSource)[], sink: KvEventSink, hooks: KvSubscriberHooks = {}, signal: KvSignalOptions = {}): KvSubscribers {
  const n = endpoints.length;
  const delayMs = signal.delayMs ?? 0;
  const loss = signal.loss ?? 0;
  const lossRngs: Rng[] = loss > 0 ? endpoints.map((_, w) => createRng(signal.seed ?? 0).fork(`kv-loss/${w}`)) : [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const stats: KvSubscriberStats = {
    batches: new Array<number>(n).fill(0),
    events: new Array<number>(n).fill(0),
    resyncs: new Array<number>(n).fill(0),
    decodeErrors: new Array<number>(n).fill(0),
    failures: new Array<number>(n).fill(0),
    lastSeq: new Array<number | null>(n).fill(null),
    lost: new Array<number>(n).fill(0),
  };
  const sockets: Subscriber[] = [];
  const loops: Promise<void>[] = [];
  let closing = false;
  const handshaken = new Array<boolean>(n).fill(false);
  let waiters: (() => void)[] = [];
  const allReady = () => handshaken.every(Boolean);

  const resync = (worker: number, why: ResyncReason) => {
    sink.resetWorker(worker);
    stats.resyncs[worker]++;
    hooks.onResync?.(worker, why);
  };

  /** A batch arrives: maybe lost, maybe handled later (in arrival order: equal delays fire in order). */
  const onArrival = (worker: number, frames: readonly Uint8Array[]) => {
    if (loss > 0 && lossRngs[worker].next() < loss) {
      stats.lost[worker]++;
      return;
    }
    if (delayMs <= 0) return onMessage(worker, frames);
    const t = setTimeout(() => {
      timers.delete(t);
      if (!closing) onMessage(worker, frames);
    }, delayMs);
    timers.add(t);
  };

  const onMessage = (worker: number, frames: readonly Uint8Array[]) => {
    if (frames.length < 2) {
      stats.decodeErrors[worker]++;
      return;
    }
    let seq: number;
    let batch: ReturnType<typeof decodeEventBatch>;
    try {
      seq = decodeSeq(frames[frames.length - 2]);
      batch = decodeEventBatch(frames[frames.length - 1]);
    } catch {
      stats.decodeErrors[worker]++;
      return;
    }
    if (seq < 0) return; // replay end marker
    const last = stats.lastSeq[worker];
    if (last !== null && seq !== last + 1) resync(worker, 'gap');
    stats.lastSeq[worker] = seq;
    try {
      sink.applyEvents(worker, batch.events);
    } catch {
      // Part of the batch may have been applied: the worker's index can no longer be trusted.
      stats.failures[worker]++;
      resync(worker, 'failure');
      return;
    }
    stats.batches[worker]++;
    stats.events[worker] += batch.events.length;
    hooks.onEvents?.(worker, batch.events.length);
  };

  const subscribe = (endpoint: string, worker: number): void => {
    const sock = new Subscriber({ reconnectInterval: 100, linger: 0 });
    sock.events.on('handshake', () => {
      handshaken[worker] = true;
      if (allReady()) {
        for (const w of waiters) w();
        waiters = [];
      }
    });
    sock.events.on('disconnect', () => {
      if (closing) return;
      stats.lastSeq[worker] = null;
      resync(worker, 'disconnect');
    });
    sock.connect(endpoint);
    sock.subscribe();
    sockets[worker] = sock;
    loops[worker] = (async () => {
      try {
        for await (const frames of sock) onArrival(worker, frames);
      } catch {
        if (closing) return;
        // The receive loop broke: count it, distrust the worker's entries, and listen again.
        stats.failures[worker]++;
        stats.lastSeq[worker] = null;
        resync(worker, 'failure');
        sock.close();
        subscribe(endpoint, worker);
      }
    })();
  };
  const unlisten: (() => void)[] = [];
  endpoints.forEach((endpoint, worker) => {
    if (typeof endpoint === 'string') return subscribe(endpoint, worker);
    handshaken[worker] = true;
    unlisten.push(endpoint.listen((frames) => onArrival(worker, frames)));
  });

  return {
    stats,
    ready(timeoutMs: number): Promise<boolean> {
      if (allReady()) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(allReady()), timeoutMs);
        t.unref();
        waiters.push(() => {
          clearTimeout(t);
          resolve(true);
        });
      });
    },
    async close() {
      closing = true;
      for (const stop of unlisten) stop();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.close();
      // A restarted loop replaces its entry; wait until none is left running.
      for (let settled = 0; settled < loops.length; ) {
        const current = [...loops];
        await Promise.all(current);
        settled = current.every((l, i) => l === loops[i]) ? loops.length : 0;
      }
    },
  };
}
