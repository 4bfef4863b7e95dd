/**
 * A llama-worker (src/llama) as a deployment that `kvlab calibrate` and `kvlab predict` can simulate:
 * the model read from its GGUF file's metadata, a CPU "device" for the roofline, and the engine
 * settings that mirror how the worker schedules — `--parallel` slots as max-num-seqs, llama.cpp's
 * batch (`--batch-size`, node-llama-cpp shares it among the running sequences) as the token budget of
 * a step, each slot's `--context-size` as the context length and, in total, the KV capacity, and no
 * asynchronous scheduling (node-llama-cpp evaluates a batch, samples, then builds the next).
 *
 * The CPU device's figures are nominal per thread (FP32 FMAs of one core, a share of DRAM bandwidth),
 * not measured: the fitted corrections (`kvlab calibrate`) turn them into what the machine does, so
 * CPU_PRIOR starts the scales it fits at 1 and lets them move by an order of magnitude (a loaded
 * machine runs several times slower than nominal), where the GPU prior sits near vLLM's efficiencies.
 * One thread of llama.cpp computes: a small model's weights and a slot's KV stay in the caches, so
 * the linear layers cost their FLOPs (no weight-read floor per step: memoryScale held at 0) and
 * attention its FLOPs (kvScale held at 0: for a decode both grow with the context, and two
 * coefficients of one shape only trade against each other); the per-request work (parsing,
 * tokenizing, the slot's cache cut) runs on the worker's JavaScript thread beside the native decode,
 * outside the step (requestOverheadMs held at 0, frontendMs carries it). Left to fit: computeScale,
 * attentionScale, stepOverheadMs, tokenOverheadMs, frontendMs — on 4 sets of observed runs the fit
 * with all 8 free matched them no better (same rms) and predicted the other load no better.
 *
 * Approximations: llama.cpp keeps one cache per slot (a slot reuses only its own last conversation)
 * where the simulated engine shares one prefix cache among them — the same when every conversation
 * keeps its slot (no more conversations than slots); the weights' format is the GGUF's file type
 * (F32 or F16), the KV cache F16 (llama.cpp's default).
 */
import { makeError } from '../../core/errors.ts';
import { parseHfConfig, type GpuSpec, type ModelSpec } from '../../models/index.ts';
import type { RooflineCoefficients } from '../../mocker/engine/timing/roofline.ts';
import { DEFAULT_LLAMA_WORKER_OPTIONS } from '../../llama/start.ts';
import type { DeploymentOptions } from '../deployment.ts';

/** The llama-worker settings the simulation mirrors (its flags of the same names). */
export interface LlamaWorkerShape {
  gguf: string;
  parallel?: number;
  contextSize?: number;
  batchSize?: number;
  threads?: number;
}

/** Nominal figures of one CPU thread: 50 GFLOP/s of FP32 FMAs, 20 GB/s of memory bandwidth. */
const FLOPS_PER_THREAD = 50e9;
const BYTES_PER_S_PER_THREAD = 20e9;

/** The CPU a llama-worker runs on, as the roofline's "GPU" (nominal figures, see the module comment). */
export function cpuDevice(threads: number): GpuSpec {
  return {
    name: `CPU-${threads}-thread${threads > 1 ? 's' : ''}`,
    aliases: [],
    vendor: 'any',
    architecture: 'CPU (llama.cpp)',
    bf16DenseTflops: (threads * FLOPS_PER_THREAD) / 1e12,
    fp8DenseTflops: null,
    memoryKind: 'DRAM',
    memoryBandwidthTBps: (threads * BYTES_PER_S_PER_THREAD) / 1e12,
    memoryGB: 16,
    nvidiaSmiMiB: null,
    cudaTotalMiB: null,
    interconnect: { kind: 'none', GBps: 1 },
    hostLink: null,
    source: 'nominal per-thread figures (src/lab/calibrate/llama-deployment.ts); the fitted corrections carry the machine',
    memorySource: 'not used: the KV capacity is the slots × their context size',
    notes: [],
  };
}

/**
 * Where the CPU fit starts and how far its ridge lets each coefficient go (fit.ts's prior and scale);
 * a scale of 0.001 holds a coefficient at its prior (see the module comment).
 */
export const CPU_PRIOR: Readonly<RooflineCoefficients> = Object.freeze({
  computeScale: 1,
  memoryScale: 0,
  kvScale: 0,
  attentionScale: 1,
  stepOverheadMs: 1,
  requestOverheadMs: 0,
  tokenOverheadMs: 0.1,
  allReduceMs: 0,
  frontendMs: 1,
});

export const CPU_PRIOR_SCALE: Readonly<RooflineCoefficients> = Object.freeze({
  computeScale: 10,
  memoryScale: 0.001,
  kvScale: 0.001,
  attentionScale: 10,
  stepOverheadMs: 20,
  requestOverheadMs: 0.001,
  tokenOverheadMs: 5,
  allReduceMs: 0.001,
  frontendMs: 200,
});

const FILE_TYPE_DTYPE: Record<number, string> = { 0: 'float32', 1: 'float16' };

/** The model of a llama-architecture GGUF file (F32 or F16 weights), from its metadata and tensor list. */
export async function ggufModelSpec(gguf: string): Promise<ModelSpec> {
  const { readGgufFileInfo } = await import('node-llama-cpp');
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>;
  try {
    info = await readGgufFileInfo(gguf, { readTensorInfo: true, logWarnings: false, sourceType: 'filesystem' });
  } catch (err) {
    throw makeError('invalid_config', { path: gguf, detail: `cannot read the GGUF file: ${(err as Error).message.split('\n')[0]}`, param: 'gguf' });
  }
  const arch = info.metadata.general.architecture as string;
  if (arch !== 'llama') throw makeError('invalid_config', { path: gguf, detail: `is a ${arch} model; only the llama architecture is simulated`, param: 'gguf' });
  const m = info.architectureMetadata as { context_length: number; embedding_length: number; block_count: number; feed_forward_length: number; vocab_size?: number; attention: { head_count: number; head_count_kv?: number } };
  const fileType = info.metadata.general.file_type as number | undefined;
  const dtype = FILE_TYPE_DTYPE[fileType ?? 0];
  if (!dtype) throw makeError('invalid_config', { path: gguf, detail: `has quantized weights (file type ${fileType}); only F32 and F16 GGUF files are simulated`, param: 'gguf' });
  const tensors = info.fullTensorInfo ?? info.tensorInfo ?? [];
  const vocab = m.vocab_size ?? (info.metadata.tokenizer?.ggml?.tokens as unknown[] | undefined)?.length;
  return parseHfConfig(
    {
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      hidden_size: m.embedding_length,
      num_hidden_layers: m.block_count,
      num_attention_heads: m.attention.head_count,
      num_key_value_heads: m.attention.head_count_kv ?? m.attention.head_count,
      intermediate_size: m.feed_forward_length,
      vocab_size: vocab,
      max_position_embeddings: m.context_length,
      torch_dtype: dtype,
      tie_word_embeddings: !tensors.some((t) => t.name === 'output.weight'),
    },
    String(info.metadata.general.name ?? gguf),
    gguf,
  );
}

/** The deployment a llama-worker with these settings is (see the module comment). */
export async function llamaDeployment(shape: LlamaWorkerShape): Promise<DeploymentOptions> {
  const d = DEFAULT_LLAMA_WORKER_OPTIONS;
  const parallel = shape.parallel ?? d.parallel;
  const contextSize = shape.contextSize ?? d.contextSize;
  const blockSize = 16;
  return {
    model: await ggufModelSpec(shape.gguf),
    gpu: cpuDevice(shape.threads ?? d.threads),
    maxNumSeqs: parallel,
    maxNumBatchedTokens: Math.min(shape.batchSize ?? d.batchSize, contextSize),
    maxModelLen: contextSize,
    blockSize,
    numGpuBlocks: Math.ceil((parallel * contextSize) / blockSize),
    asyncScheduling: false,
  };
}
