/**
 * Start one llama-worker: check the GGUF file, load the engine, listen. `close()` stops the server and
 * frees the context, the model and llama.cpp's binary (the app's onClose closes the engine).
 */
import { statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { makeError } from '../core/errors.ts';
import { LlamaEngine, LlamaLoadError, type LlamaEngineOptions } from './llama-engine.ts';
import { buildLlamaApp, DEFAULT_LLAMA_APP_OPTIONS, type LlamaAppOptions } from './worker-app.ts';

export interface LlamaWorkerOptions extends LlamaEngineOptions, LlamaAppOptions {
  host: string;
  port: number;
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
});

export interface RunningLlamaWorker {
  url: string;
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
  const app = buildLlamaApp(engine, opts);
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
    engine,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}
