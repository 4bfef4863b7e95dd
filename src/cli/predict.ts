/**
 * `kvlab predict`: what a deployment would do under a load (src/lab/predict). Thin: flags → options →
 * runPredict → JSON or the terminal view. Unknown model or GPU names exit 2 with the known ones listed.
 */
import type { Command } from 'commander';
import { KvlabError, makeError } from '../core/errors.ts';
import { ROUTER_MODES, type RouterMode } from '../router-sim/types.ts';
import { enumArg, floatArg, intArg, nonEmptyArg } from './flags.ts';

interface PredictFlags {
  model?: string;
  modelConfig?: string;
  gpu: string;
  tp: number;
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  gpuMemoryUtilization?: number;
  blockSize: number;
  maxModelLen?: number;
  weightDtype?: 'bf16' | 'fp16' | 'fp8';
  numGpuBlocks?: number;
  preset?: string;
  presetsFile?: string;
  stages?: string;
  systemPromptLen?: number;
  questionLen?: number;
  outputLen?: number;
  numGroups?: number;
  usersPerGroup?: number;
  replicas: number;
  routerMode?: RouterMode;
  profile?: string;
  seed: number;
  json?: boolean;
}

/** Errors about names and numbers the user typed are usage errors (exit 2) naming the flag. */
function asFlagError(err: unknown): unknown {
  if (err instanceof KvlabError && (err.code === 'model_not_found' || err.code === 'invalid_config') && err.param) {
    const flag = `--${err.param.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return makeError('bad_flag', { flag, detail: err.message.replace(/^Invalid [^:]*: /, '') });
  }
  return err;
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('Predict what a deployment (model × GPU × TP × vLLM settings) does under a load, on the virtual cluster with the roofline timing model')
    .option('--model <name|config.json>', 'a catalogue model (Hugging Face id or bare name) or a config.json path')
    .option('--model-config <file>', "a Hugging Face config.json for a model the catalogue lacks")
    .requiredOption('--gpu <name>', 'GPU type: H100-SXM-80GB, H200-SXM-141GB, A100-SXM-80GB, L40S, B200 (aliases accepted)')
    .option('--tp <n>', 'tensor-parallel degree', intArg({ min: 1, max: 64 }), 1)
    .option('--max-num-seqs <n>', "vLLM's max running sequences (default: vLLM's for the GPU)", intArg({ min: 1 }))
    .option('--max-num-batched-tokens <n>', "vLLM's token budget per step (default: vLLM's for the GPU)", intArg({ min: 1 }))
    .option('--gpu-memory-utilization <f>', "vLLM's share of GPU memory (default 0.9)", floatArg({ min: Number.MIN_VALUE, max: 1 }))
    .option('--block-size <n>', 'tokens per KV block', intArg({ min: 1 }), 16)
    .option('--max-model-len <n>', "context length (default: the model's, capped by the KV cache)", intArg({ min: 1 }))
    .option('--weight-dtype <dtype>', "weights' format (default: the checkpoint's)", enumArg(['bf16', 'fp16', 'fp8'] as const))
    .option('--num-gpu-blocks <n>', 'KV blocks per replica instead of deriving them as vLLM does', intArg({ min: 1 }))
    .option('--preset <name>', 'shared-prefix preset: general, general-lite, codegen, roleplay, reasoning, reasoning-lite')
    .option('--presets-file <file>', 'calibration file whose presets the names refer to (default: data/vllm-real/calibration.json)')
    .option('--stages <list>', "load stages rate:seconds,… (default: the preset's)")
    .option('--system-prompt-len <n>', 'tokens of each shared system prompt', intArg({ min: 0 }))
    .option('--question-len <n>', "tokens of each user's question", intArg({ min: 0 }))
    .option('--output-len <n>', 'tokens of every answer', intArg({ min: 1 }))
    .option('--num-groups <n>', 'shared system prompts', intArg({ min: 1 }))
    .option('--users-per-group <n>', 'users per system prompt', intArg({ min: 1 }))
    .option('--replicas <n>', 'engine replicas behind a router', intArg({ min: 1, max: 1024 }), 1)
    .option('--router-mode <mode>', `router in front of the replicas: ${ROUTER_MODES.join(', ')} (default kv with replicas, else round-robin)`, enumArg(ROUTER_MODES))
    .option('--profile <file>', 'roofline profile (kvlab calibrate writes one; default: the shipped one, fitted on data/vllm-real)', nonEmptyArg())
    .option('--seed <n>', 'seed of the workload', intArg(), 0)
    .option('--json', 'print the prediction as JSON')
    .action(async (f: PredictFlags) => {
      const [{ runPredict }, { renderPrediction }, { loadRooflineProfile }, { modelOf }, { loadSharedPrefixPresets, DEFAULT_CALIBRATION_FILE }, { findGpu }] = await Promise.all([
        import('../lab/predict/predict.ts'),
        import('../lab/predict/render.ts'),
        import('../lab/predict/profile.ts'),
        import('../lab/predict/model-arg.ts'),
        import('../client/workloads/shared-prefix-presets.ts'),
        import('../models/index.ts'),
      ]);
      let result;
      try {
        const modelArg = f.modelConfig ?? f.model;
        if (!modelArg) throw makeError('bad_flag', { flag: '--model', detail: 'required: a catalogue model name or a config.json (--model-config)' });
        const profile = loadRooflineProfile(f.profile);
        result = runPredict({
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
          coefficients: profile.coefficients,
          profileName: profile.name,
          presets: loadSharedPrefixPresets(f.presetsFile ?? DEFAULT_CALIBRATION_FILE),
          workload: {
            preset: f.preset,
            stages: f.stages,
            systemPromptLen: f.systemPromptLen,
            questionLen: f.questionLen,
            outputLen: f.outputLen,
            numGroups: f.numGroups,
            usersPerGroup: f.usersPerGroup,
          },
          replicas: f.replicas,
          routerMode: f.routerMode,
          seed: f.seed,
        });
      } catch (err) {
        throw asFlagError(err);
      }
      process.stdout.write(f.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderPrediction(result)}\n`);
    });
}
