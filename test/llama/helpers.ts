/**
 * Shared by the real-engine tests: a small model written once per test run into os.tmpdir() (keyed by
 * its spec and the writer's source, written atomically so parallel test files share it), whether
 * llama.cpp's prebuilt CPU binary loads here — when it does not, the tests skip with the reason — and a
 * `kvlab llama-worker` started as its own process, as a user runs it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tinyModelGguf, type TinyModelSpec } from '../../src/llama/tiny-model.ts';

/** Small enough to write in under a second and prefill a few thousand tokens in about a second on one thread. */
export const TEST_MODEL: TinyModelSpec = { hidden: 128, layers: 2, heads: 4, kvHeads: 4, ffn: 384, vocab: 512, context: 4096, seed: 7 };

const SOURCES = ['gguf-writer.ts', 'tiny-model.ts', 'byte-bpe.ts', 'chat-format.ts'].map((f) => new URL(`../../src/llama/${f}`, import.meta.url));

export function testModelPath(spec: TinyModelSpec = TEST_MODEL): string {
  const h = createHash('sha256').update(JSON.stringify(spec));
  for (const s of SOURCES) h.update(readFileSync(s));
  const file = join(tmpdir(), `kvlab-test-model-${h.digest('hex').slice(0, 16)}.gguf`);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, tinyModelGguf(spec).bytes);
    renameSync(tmp, file);
  }
  return file;
}

let probe: Promise<string | null> | null = null;

/** Null when llama.cpp's CPU binary loads; otherwise why not (printed once by the skipping suite). */
export function llamaUnavailable(): Promise<string | null> {
  probe ??= (async () => {
    try {
      const { getLlama } = await import('node-llama-cpp');
      const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'disabled' as never });
      await llama.dispose();
      return null;
    } catch (err) {
      return (err as Error).message.split('\n')[0];
    }
  })();
  return probe;
}

/** Call at the top of a real-engine test file: says why its tests skip when the binary cannot load. */
export async function realEngineSkip(file: string): Promise<boolean> {
  const reason = await llamaUnavailable();
  if (reason !== null) process.stderr.write(`${file}: skipped — llama.cpp's prebuilt CPU binary (node-llama-cpp) does not load here: ${reason}\n`);
  return reason !== null;
}

export interface SpawnedLlamaWorker {
  url: string;
  /** SIGTERM, then resolve once the process has exited. */
  close(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `kvlab llama-worker --port 0 FLAGS…` as a child process (src/cli.ts under tsx): resolves with its URL
 * once it listens; rejects with its stderr when it exits first or does not listen within `timeoutMs`
 * (then it is stopped: keep the timeout under the calling hook's, so no worker outlives a failed start).
 */
export function spawnLlamaWorker(flags: readonly string[], timeoutMs = 45_000): Promise<SpawnedLlamaWorker> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'llama-worker', '--port', '0', ...flags], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise<SpawnedLlamaWorker>((resolve, reject) => {
    const timer = setTimeout(() => void close().then(() => reject(new Error(`llama-worker did not listen within ${timeoutMs} ms: ${err.trim()}`))), timeoutMs);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^llama-0 (http:\/\/\S+)/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], close });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`llama-worker exited before listening (${child.exitCode ?? child.signalCode}): ${err.trim()}`));
    });
  });
}
