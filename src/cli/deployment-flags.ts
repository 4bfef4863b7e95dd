/**
 * The flags that name a deployment — model, GPU, tensor parallelism and vLLM's settings — shared by
 * `kvlab predict`, `kvlab calibrate RUN_DIR…`, `kvlab mocker` and `kvlab cluster`, and their
 * translation into DeploymentOptions (src/lab/deployment.ts). Flags parse only syntax; the ranges are
 * the deployment's schema's (DEPLOYMENT_OPTION_FIELDS), and its errors name the flag.
 */
import type { Command } from 'commander';
import { makeError } from '../core/errors.ts';
import { floatArg, intArg } from './flags.ts';

export interface DeploymentFlags {
  model?: string;
  modelConfig?: string;
  gpu?: string;
  tp: number;
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  gpuMemoryUtilization?: number;
  blockSize?: number;
  maxModelLen?: number;
  weightDtype?: 'bf16' | 'fp16' | 'fp8';
  numGpuBlocks?: number;
}

/** Add the deployment flags; `engineFlags` false leaves out those a command already has (mocker, cluster). */
export function addDeploymentFlags(cmd: Command, engineFlags = true): Command {
  cmd
    .option('--model-config <file>', 'a Hugging Face config.json for a model the catalogue lacks')
    .option('--gpu <name>', 'GPU type: H100-SXM-80GB, H200-SXM-141GB, A100-SXM-80GB, L40S, B200 (aliases accepted)')
    .option('--tp <n>', 'tensor-parallel degree', intArg(), 1)
    .option('--gpu-memory-utilization <f>', "vLLM's share of GPU memory, in (0, 1] (default 0.9)", floatArg())
    .option('--weight-dtype <dtype>', "weights' format: bf16, fp16 or fp8 (default: the checkpoint's)");
  if (engineFlags) {
    cmd
      .option('--model <name|config.json>', 'a catalogue model (Hugging Face id or bare name) or a config.json path')
      .option('--max-num-seqs <n>', "vLLM's max running sequences (default: vLLM's for the GPU)", intArg())
      .option('--max-num-batched-tokens <n>', "vLLM's token budget per step (default: vLLM's for the GPU)", intArg())
      .option('--block-size <n>', 'tokens per KV block (default 16)', intArg())
      .option('--max-model-len <n>', "context length (default: the model's, capped by the KV cache)", intArg())
      .option('--num-gpu-blocks <n>', 'KV blocks per replica instead of deriving them as vLLM does', intArg());
  }
  return cmd;
}

/** Errors about names and numbers the user typed are usage errors (exit 2) naming the flag. */
export { asFlagError } from './flag-errors.ts';

/** The deployment the flags name (loads the catalogues; call inside an action). */
export async function deploymentOptionsOf(f: DeploymentFlags): Promise<import('../lab/deployment.ts').DeploymentOptions> {
  const [{ modelOf }, { findGpu }] = await Promise.all([import('../lab/predict/model-arg.ts'), import('../models/index.ts')]);
  const modelArg = f.modelConfig ?? f.model;
  if (!modelArg) throw makeError('bad_flag', { flag: '--model', detail: 'required: a catalogue model name or a config.json (--model-config)' });
  if (!f.gpu) throw makeError('bad_flag', { flag: '--gpu', detail: 'required with --model: the GPU type' });
  return {
    model: modelOf(modelArg),
    gpu: findGpu(f.gpu),
    tp: f.tp,
    maxNumSeqs: f.maxNumSeqs,
    maxNumBatchedTokens: f.maxNumBatchedTokens,
    gpuMemoryUtilization: f.gpuMemoryUtilization,
    blockSize: f.blockSize,
    maxModelLen: f.maxModelLen,
    weightDtype: f.weightDtype,
    numGpuBlocks: f.numGpuBlocks,
  };
}
