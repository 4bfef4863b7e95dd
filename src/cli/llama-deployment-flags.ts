/**
 * `--gguf FILE [--parallel N] [--context-size N] [--batch-size N] [--worker-threads N]` on `kvlab
 * calibrate` and `kvlab predict`: the deployment is a kvlab llama-worker started with those flags
 * (src/lab/calibrate/llama-deployment.ts: the GGUF's model on a CPU device) instead of --model/--gpu.
 */
import type { Command } from 'commander';
import { makeError } from '../core/errors.ts';
import type { DeploymentOptions } from '../lab/deployment.ts';
import type { DeploymentFlags } from './deployment-flags.ts';
import { intArg, nonEmptyArg } from './flags.ts';

export interface LlamaDeploymentFlags {
  gguf?: string;
  parallel?: number;
  contextSize?: number;
  batchSize?: number;
  workerThreads?: number;
}

export function addLlamaDeploymentFlags(cmd: Command): Command {
  return cmd
    .option('--gguf <file>', 'simulate a kvlab llama-worker serving this GGUF file on the CPU (instead of --model/--gpu)', nonEmptyArg())
    .option('--parallel <n>', "with --gguf: the worker's --parallel (slots; default 4)", intArg({ min: 1 }))
    .option('--context-size <n>', "with --gguf: the worker's --context-size (default 4096)", intArg({ min: 64 }))
    .option('--batch-size <n>', "with --gguf: the worker's --batch-size (default 512)", intArg({ min: 1 }))
    .option('--worker-threads <n>', "with --gguf: the worker's --threads (default 1)", intArg({ min: 1 }));
}

/** The llama-worker deployment the flags name, or null without --gguf. */
export async function llamaDeploymentOf(f: LlamaDeploymentFlags & DeploymentFlags): Promise<DeploymentOptions | null> {
  if (f.gguf === undefined) {
    for (const [flag, v] of [['--parallel', f.parallel], ['--context-size', f.contextSize], ['--batch-size', f.batchSize], ['--worker-threads', f.workerThreads]] as const) {
      if (v !== undefined) throw makeError('bad_flag', { flag, detail: 'describes a llama-worker: give it with --gguf' });
    }
    return null;
  }
  for (const [flag, v] of [['--model', f.model], ['--model-config', f.modelConfig], ['--gpu', f.gpu]] as const) {
    if (v !== undefined) throw makeError('bad_flag', { flag, detail: 'not with --gguf (the GGUF file is the model, the CPU the device)' });
  }
  const { llamaDeployment } = await import('../lab/calibrate/llama-deployment.ts');
  return llamaDeployment({ gguf: f.gguf, parallel: f.parallel, contextSize: f.contextSize, batchSize: f.batchSize, threads: f.workerThreads });
}
