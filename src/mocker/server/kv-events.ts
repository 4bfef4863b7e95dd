/**
 * A worker's KV-event publisher: a ZeroMQ PUB socket that sends each engine step's events as one batch
 * in vLLM's wire format (core/kv-event-codec): multipart `[topic, seq (8-byte big-endian from 0),
 * msgpack payload (array layout)]`. Any vLLM KV-event consumer (our router, Dynamo, llm-d) can
 * subscribe.
 *
 * PUB sockets drop messages for subscribers that are not connected yet (ZeroMQ's "slow joiner"); the
 * optional ROUTER replay socket of vLLM is not implemented.
 *
 * In-process listeners (`listen`, core KvFrameSource: the embedded cluster's router) get the same
 * frames synchronously when a batch is published, i.e. at the end of the step that computed it, as the
 * virtual clock applies events; the ZeroMQ socket still carries them for every other subscriber.
 */
import { Publisher } from 'zeromq';
import { encodeEventBatch, encodeSeq, type KvFrameSource, type OutgoingKvEvent } from '../../core/kv-event-codec.ts';

export interface KvEventPublisher extends KvFrameSource {
  /** The bound endpoint, e.g. tcp://127.0.0.1:5557 (the real port when bound to port 0). */
  readonly endpoint: string;
  /** Batches sent so far (= the next sequence number). */
  readonly sent: number;
  /** Publish one batch; `epochMs` becomes the batch's `ts` (float seconds). */
  publish(events: readonly OutgoingKvEvent[], epochMs: number): void;
  close(): Promise<void>;
}

export interface PublisherOptions {
  host: string;
  /** 0 binds an ephemeral port. */
  port: number;
  /** Topic frame; vLLM's default is empty. */
  topic?: string;
  /** Receives send failures (the publisher keeps going). */
  onError?: (err: unknown) => void;
}

export async function startKvEventPublisher(opts: PublisherOptions): Promise<KvEventPublisher> {
  const sock = new Publisher({ linger: 0, sendHighWaterMark: 100_000 });
  await sock.bind(`tcp://${opts.host}:${opts.port === 0 ? '*' : opts.port}`);
  const endpoint = sock.lastEndpoint ?? `tcp://${opts.host}:${opts.port}`;
  const topic = Buffer.from(opts.topic ?? '', 'utf8');
  let seq = 0;
  // A PUB send never blocks (it drops at the high-water mark), but zeromq allows one send in flight at
  // a time, so sends are chained to keep sequence order.
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  const listeners = new Set<(frames: readonly Uint8Array[]) => void>();

  return {
    endpoint,
    get sent() {
      return seq;
    },
    publish(events, epochMs) {
      if (closed || events.length === 0) return;
      const frames = [topic, encodeSeq(seq++), encodeEventBatch(epochMs / 1000, events)];
      for (const l of listeners) {
        try {
          l(frames);
        } catch (err) {
          opts.onError?.(err);
        }
      }
      chain = chain.then(() => sock.send(frames)).catch((err) => opts.onError?.(err));
    },
    listen(onFrames) {
      listeners.add(onFrames);
      return () => listeners.delete(onFrames);
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      await chain;
      sock.close();
    },
  };
}
