/**
 * Shared by the real-engine tests: a small model written once per test run into os.tmpdir() (keyed by
 * its spec and the writer's source, written atomically so parallel test files share it), and whether
 * llama.cpp's prebuilt CPU binary loads here — when it does not, the tests skip with the reason.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
