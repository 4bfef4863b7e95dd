/**
 * Start `numWorkers` mock workers in this process: worker i listens on port + i (port 0: every worker
 * gets an ephemeral port) and, when kvEventsPort is set, publishes KV events on kvEventsPort + i (0:
 * ephemeral). Returns where they listen, their engines and apps (for tests and the lab), and `close()`.
 */
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { ModelTokenizer } from '../../core/tokenizers/model-tokenizer.ts';
import { Engine } from '../engine/index.ts';
import { buildWorkerApp } from './app.ts';
import type { KvFrameSource } from '../../core/kv-event-codec.ts';
import { startKvEventPublisher, type KvEventPublisher } from './kv-events.ts';
import { engineConfigOf, engineOptionsOf, resolveMockerOptions, type MockerOptions } from './options.ts';

export interface MockerWorker {
  name: string;
  url: string;
  kvEventsEndpoint: string | null;
  /** The same KV events in-process (null without KV events). */
  kvEventSource: KvFrameSource | null;
  engine: Engine;
  /** The worker's fastify app (listening), for callers in this process. */
  app: FastifyInstance;
}

export interface RunningMocker {
  workers: MockerWorker[];
  close(): Promise<void>;
}

export function workerName(index: number): string {
  return `worker-${index}`;
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** `tokenizer`: every worker's prompt and answer tokenizer (loaded once; default kvlab's o200k_base). */
export async function startMocker(partial: Partial<MockerOptions> = {}, tokenizer?: ModelTokenizer): Promise<RunningMocker> {
  const opts = resolveMockerOptions(partial);
  const apps: FastifyInstance[] = [];
  const publishers: KvEventPublisher[] = [];
  const workers: MockerWorker[] = [];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.allSettled(apps.map((a) => a.close()));
    await Promise.allSettled(publishers.map((p) => p.close()));
  };
  try {
    for (let i = 0; i < opts.numWorkers; i++) {
      const name = workerName(i);
      let publisher: KvEventPublisher | null = null;
      if (opts.kvEventsPort !== null) {
        publisher = await startKvEventPublisher({ host: opts.host, port: opts.kvEventsPort === 0 ? 0 : opts.kvEventsPort + i });
        publishers.push(publisher);
      }
      const engine = new Engine(engineConfigOf(opts), opts.profile ?? undefined, engineOptionsOf(opts));
      const app = buildWorkerApp({ options: opts, name, engine, kvEvents: publisher, tokenizer });
      apps.push(app);
      await app.listen({ host: opts.host, port: opts.port === 0 ? 0 : opts.port + i });
      const port = (app.server.address() as AddressInfo).port;
      workers.push({ name, url: urlOf(opts.host, port), kvEventsEndpoint: publisher?.endpoint ?? null, kvEventSource: publisher, engine, app });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { workers, close };
}
