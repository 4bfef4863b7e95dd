/**
 * `kvlab llama-worker`: serve a GGUF model with llama.cpp on the CPU (src/llama) behind kvlab's OpenAI
 * wire; worker i listens on port + i (port 0: ephemeral ports). Stops cleanly on SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { KvlabError, makeError } from '../core/errors.ts';
import { intArg, nonEmptyArg, portArg } from './flags.ts';
import { announceUntilSignal } from './signals.ts';

interface LlamaWorkerFlags {
  gguf: string;
  numWorkers: number;
  parallel: number;
  threads: number;
  contextSize: number;
  batchSize: number;
  host: string;
  port: number;
  model: string;
  defaultMaxTokens: number;
  kvEventsPort?: number;
  blockSize: number;
  kvlabTokens?: boolean;
}

const FLAG_OF: Record<string, string> = { gguf: '--gguf', contextSize: '--context-size' };

export function registerLlamaWorker(program: Command): void {
  program
    .command('llama-worker')
    .description('Serve a GGUF model with llama.cpp on the CPU (node-llama-cpp): OpenAI routes, SSE, cached_tokens, vLLM metrics')
    .requiredOption('--gguf <file>', 'GGUF model (e.g. from kvlab make-model)', nonEmptyArg())
    .option('--num-workers <n>', 'workers in this process, each with its own model and slots', intArg({ min: 1, max: 16 }), 1)
    .option('--parallel <n>', 'slots per worker (parallel sequences; a request takes the free slot sharing the longest prefix)', intArg({ min: 1, max: 64 }), 4)
    .option('--threads <n>', 'CPU threads per worker', intArg({ min: 1, max: 256 }), 1)
    .option('--context-size <n>', 'tokens each slot holds (prompt plus answer)', intArg({ min: 64 }), 4096)
    .option('--batch-size <n>', "tokens per llama.cpp batch (llama.cpp's n_batch)", intArg({ min: 1 }), 512)
    .option('--host <host>', 'bind address', nonEmptyArg(), '127.0.0.1')
    .option('--port <port>', 'first worker port (0 = ephemeral)', portArg(), 8000)
    .option('--model <name>', 'served model name', nonEmptyArg(), 'kvlab-tiny-llama')
    .option('--default-max-tokens <n>', 'answer cap when a request sets no max_tokens', intArg({ min: 1 }), 256)
    .option('--kv-events-port <port>', "first worker's KV-events ZeroMQ PUB port, vLLM's format, in the router's blocks (0 = ephemeral; off when absent)", portArg())
    .option('--block-size <n>', "tokens per block of the KV events (the router's --block-size)", intArg({ min: 1 }), 16)
    .option('--kvlab-tokens', "count tokens as kvlab does (o200k_base and its chat template, folded into the model's vocabulary; answers as one lorem word per token): prompts as long as in kvlab's mock and simulations")
    .action(async (f: LlamaWorkerFlags) => {
      const { startLlamaWorker } = await import('../llama/start.ts');
      const workers: Awaited<ReturnType<typeof startLlamaWorker>>[] = [];
      try {
        for (let i = 0; i < f.numWorkers; i++) {
          workers.push(
            await startLlamaWorker({
              gguf: f.gguf,
              name: `llama-${i}`,
              parallel: f.parallel,
              threads: f.threads,
              contextSize: f.contextSize,
              batchSize: f.batchSize,
              host: f.host,
              port: f.port === 0 ? 0 : f.port + i,
              model: f.model,
              defaultMaxTokens: f.defaultMaxTokens,
              kvEventsPort: f.kvEventsPort === undefined ? null : f.kvEventsPort === 0 ? 0 : f.kvEventsPort + i,
              blockSize: f.blockSize,
              kvlabTokens: f.kvlabTokens === true,
            }),
          );
        }
      } catch (err) {
        for (const w of workers) await w.close();
        // A file or size the worker cannot use is a bad flag (exit 2), named as the user typed it.
        if (err instanceof KvlabError && err.code === 'invalid_config' && err.param && FLAG_OF[err.param]) {
          throw makeError('bad_flag', { flag: FLAG_OF[err.param], detail: err.message.replace(/^Invalid [^:]*: /, '') });
        }
        throw err;
      }
      const out = process.stdout;
      await announceUntilSignal(() => {
        out.write(`kvlab llama-worker: ${workers.length} worker(s) serving ${f.gguf} as ${f.model} (${f.parallel} slot(s) × ${workers[0].engine.contextSize} tokens, ${f.threads} thread(s))\n`);
        workers.forEach((w, i) => out.write(`llama-${i} ${w.url}${w.kvEventsEndpoint ? ` kv-events ${w.kvEventsEndpoint}` : ''}\n`));
      });
      for (const w of workers) await w.close();
      out.write('kvlab llama-worker: stopped\n');
    });
}
