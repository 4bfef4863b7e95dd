/**
 * GPU specs as the roofline needs them: peak dense (not 2:4-sparse) tensor throughput, memory
 * bandwidth and size, and the GPU-to-GPU link. `parseGpuEntry` checks one entry of gpus.json;
 * `gpuMemoryBytes` is the memory a serving engine sees.
 *
 * Approximation: CUDA (and so vLLM, which sizes its KV cache from `cudaMemGetInfo`) sees a little
 * less than nvidia-smi's `memory.total` (H100 80GB: 81090 vs 81559 MiB). Where the CUDA figure was
 * found it is used; otherwise the nvidia-smi figure, and failing that the marketing GB (10^9 bytes).
 */
import { isObject } from './config-fields.ts';
import { ModelsError } from './models-error.ts';

export interface GpuLink {
  /** e.g. "NVLink 4", "PCIe Gen4 x16". */
  readonly kind: string;
  /** GB/s per GPU, both directions added, as datasheets quote it. */
  readonly GBps: number;
}

export interface GpuSpec {
  /** Catalogue name, e.g. "H100-SXM-80GB". */
  readonly name: string;
  readonly aliases: readonly string[];
  readonly vendor: string;
  readonly architecture: string;
  /** Peak dense BF16 tensor TFLOP/s. */
  readonly bf16DenseTflops: number;
  /** Peak dense FP8 tensor TFLOP/s, or null when the GPU has no FP8 tensor cores. */
  readonly fp8DenseTflops: number | null;
  readonly memoryKind: string;
  /** Memory bandwidth in TB/s (10^12 bytes/s). */
  readonly memoryBandwidthTBps: number;
  /** Memory as sold, in GB. */
  readonly memoryGB: number;
  /** nvidia-smi `memory.total` in MiB, or null when not found. */
  readonly nvidiaSmiMiB: number | null;
  /** Total as CUDA reports it (torch `total_memory`, vLLM's total_gpu_memory) in MiB, or null. */
  readonly cudaTotalMiB: number | null;
  /** The GPU-to-GPU link used for tensor parallelism. */
  readonly interconnect: GpuLink;
  /** The host link, or null when not verified. */
  readonly hostLink: GpuLink | null;
  readonly source: string;
  readonly memorySource: string;
  readonly notes: readonly string[];
}

const MIB = 1024 * 1024;

/** The memory a serving engine sees on this GPU, in bytes (see the module comment). */
export function gpuMemoryBytes(gpu: GpuSpec): number {
  if (gpu.cudaTotalMiB !== null) return gpu.cudaTotalMiB * MIB;
  if (gpu.nvidiaSmiMiB !== null) return gpu.nvidiaSmiMiB * MIB;
  return gpu.memoryGB * 1e9;
}

/** Check one gpus.json entry (the catalogue's own data: a bad entry is a bug, reported by name). */
export function parseGpuEntry(name: string, entry: unknown): GpuSpec {
  const where = `gpus.json ${name}`;
  if (!isObject(entry)) throw bad(where, 'must be an object');
  const num = (key: string, nullable = false): number | null => {
    const v = entry[key];
    if (nullable && v === null) return null;
    if (typeof v !== 'number' || !(v > 0)) throw bad(where, `${key} must be a positive number`);
    return v;
  };
  const str = (key: string): string => {
    const v = entry[key];
    if (typeof v !== 'string' || v === '') throw bad(where, `${key} must be a string`);
    return v;
  };
  const link = (key: string, nullable: boolean): GpuLink | null => {
    const v = entry[key];
    if (nullable && v === null) return null;
    if (!isObject(v) || typeof v.kind !== 'string' || typeof v.GBps !== 'number' || !(v.GBps > 0)) {
      throw bad(where, `${key} must be {kind, GBps}`);
    }
    return Object.freeze({ kind: v.kind, GBps: v.GBps });
  };
  const strings = (key: string): readonly string[] => {
    const v = entry[key] ?? [];
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw bad(where, `${key} must list strings`);
    return Object.freeze([...v]);
  };
  return Object.freeze({
    name,
    aliases: strings('aliases'),
    vendor: str('vendor'),
    architecture: str('architecture'),
    bf16DenseTflops: num('bf16DenseTflops') as number,
    fp8DenseTflops: num('fp8DenseTflops', true),
    memoryKind: str('memoryKind'),
    memoryBandwidthTBps: num('memoryBandwidthTBps') as number,
    memoryGB: num('memoryGB') as number,
    nvidiaSmiMiB: num('nvidiaSmiMiB', true),
    cudaTotalMiB: num('cudaTotalMiB', true),
    interconnect: link('interconnect', false) as GpuLink,
    hostLink: link('hostLink', true),
    source: str('source'),
    memorySource: str('memorySource'),
    notes: strings('notes'),
  });
}

function bad(where: string, what: string): ModelsError {
  return new ModelsError('invalid_field', `${where}: ${what}`, where);
}
