/**
 * `kvlab make-model`: write a deterministic random-weight Llama GGUF for the llama-worker (src/llama/tiny-model.ts).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { makeError } from '../core/errors.ts';
import { DEFAULT_TINY_MODEL as D, checkTinyModelSpec, type TinyModelSpec } from '../llama/tiny-model-spec.ts';
import { intArg, nonEmptyArg } from './flags.ts';

interface MakeModelFlags extends TinyModelSpec {
  out: string;
}

const FLAG_OF: Record<string, string> = { kvHeads: '--kv-heads' };

export function registerMakeModel(program: Command): void {
  program
    .command('make-model')
    .description('Write a random-weight Llama-architecture GGUF (v3, F32, byte-level BPE tokenizer) for kvlab llama-worker')
    .requiredOption('--out <file>', 'GGUF file to write', nonEmptyArg())
    .option('--hidden <n>', 'hidden size', intArg({ min: 2 }), D.hidden)
    .option('--layers <n>', 'transformer blocks', intArg({ min: 1, max: 256 }), D.layers)
    .option('--heads <n>', 'attention heads', intArg({ min: 1 }), D.heads)
    .option('--kv-heads <n>', 'key/value heads (grouped-query attention when fewer than --heads)', intArg({ min: 1 }), D.kvHeads)
    .option('--ffn <n>', 'feed-forward size', intArg({ min: 1 }), D.ffn)
    .option('--vocab <n>', 'vocabulary size (256 bytes, BPE merges, 7 special tokens)', intArg({ min: 263, max: 65536 }), D.vocab)
    .option('--context <n>', 'context length the model declares', intArg({ min: 64, max: 1 << 20 }), D.context)
    .option('--seed <n>', 'weight seed', intArg(), D.seed)
    .action(async (f: MakeModelFlags) => {
      const { tinyModelGguf } = await import('../llama/tiny-model.ts');
      const { out: _out, ...spec } = f;
      try {
        checkTinyModelSpec(spec);
      } catch (err) {
        const field = /^(\w+)/.exec((err as Error).message)?.[1] ?? 'hidden';
        throw makeError('bad_flag', { flag: FLAG_OF[field] ?? `--${field}`, detail: (err as Error).message });
      }
      const { bytes, parameters, vocab } = tinyModelGguf(spec);
      try {
        writeFileSync(f.out, bytes);
      } catch (err) {
        throw makeError('io_error', { action: 'write', path: f.out, detail: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
      }
      process.stdout.write(`kvlab make-model: ${f.out} (${(bytes.length / 1e6).toFixed(1)} MB, ${(parameters / 1e6).toFixed(2)} M parameters, vocabulary ${vocab})\n`);
    });
}
