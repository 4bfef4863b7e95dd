/**
 * Start one llama-worker: check the GGUF file, load the engine, listen. `close()` stops the server and
 * frees the context, the model and llama.cpp's binary (the app's onClose closes the engine).
 */
import { statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { makeError } from '../core/errors.ts';
import { startKvEventPublisher, type KvEventPublisher } from '../mocker/server/kv-events.ts';
import { LlamaEngine, LlamaLoadError, type LlamaEngineOptions } from './llama-engine.ts';
import { buildLlamaApp, DEFAULT_LLAMA_APP_OPTIONS, type LlamaAppOptions } from './worker-app.ts';

export interface LlamaWorkerOptions extends Omit<LlamaAppOptions, 'kvEvents'>, LlamaEngineOptions {
  host: string;
  port: number;
  /** ZeroMQ PUB port of the worker's KV events (0: ephemeral); null: none. */
  kvEventsPort: number | null;
}

export const DEFAULT_LLAMA_WORKER_OPTIONS: Readonly<Omit<LlamaWorkerOptions, 'gguf'>> = Object.freeze({
  ...DEFAULT_LLAMA_APP_OPTIONS,
  name: 'llama-0',
  host: '127.0.0.1',
  port: 8000,
  parallel: 4,
  threads: 1,
  contextSize: 4096,
  batchSize: 512,
  kvEventsPort: null,
});

export interface RunningLlamaWorker {
  url: string;
  /** tcp://host:port of its KV events, or null. */
  kvEventsEndpoint: string | null;
  engine: LlamaEngine;
  close(): Promise<void>;
}

/** Errors of loading become one-line `invalid_config` errors naming what failed. */
export async function startLlamaWorker(partial: Partial<LlamaWorkerOptions> & { gguf: string }): Promise<RunningLlamaWorker> {
  const opts: LlamaWorkerOptions = { ...DEFAULT_LLAMA_WORKER_OPTIONS, ...partial };
  let size: number;
  try {
    size = statSync(opts.gguf).size;
  } catch (err) {
    throw makeError('invalid_config', { path: 'gguf', detail: `cannot read ${opts.gguf} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, param: 'gguf' });
  }
  if (size < 24) throw makeError('invalid_config', { path: 'gguf', detail: `${opts.gguf} is not a GGUF file (${size} bytes)`, param: 'gguf' });
  let engine: LlamaEngine;
  try {
    engine = await LlamaEngine.load(opts);
  } catch (err) {
    if (err instanceof RangeError) throw makeError('invalid_config', { path: 'context size', detail: err.message, param: 'contextSize' });
    if (err instanceof LlamaLoadError) throw makeError('invalid_config', { path: 'gguf', detail: err.message, param: 'gguf' });
    throw err;
  }
  let publisher: KvEventPublisher | null = null;
  if (opts.kvEventsPort !== null) {
    try {
      publisher = await startKvEventPublisher({ host: opts.host, port: opts.kvEventsPort });
    } catch (err) {
      await engine.close();
      throw makeError('io_error', { action: 'bind KV events on', path: `${opts.host}:${opts.kvEventsPort}`, detail: (err as Error).message });
    }
  }
  let app: ReturnType<typeof buildLlamaApp>;
  try {
    app = buildLlamaApp(engine, { ...opts, kvEvents: publisher });
  } catch (err) {
    await publisher?.close();
    await engine.close();
    if (err instanceof RangeError) throw makeError('invalid_config', { path: 'kvlab tokens', detail: err.message, param: 'kvlabTokens' });
    throw err;
  }
  app.addHook('onClose', async () => publisher?.close());
  try {
    await app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    await app.close();
    throw makeError('io_error', { action: 'listen on', path: `${opts.host}:${opts.port}`, detail: (err as Error).message });
  }
  const { port } = app.server.address() as AddressInfo;
  let closed = false;
  return {
    url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`,
    kvEventsEndpoint: publisher?.endpoint ?? null,
    engine,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}
