/**
 * src/models: real model architectures and GPU specs (data with sources, in data/) and the pure
 * arithmetic on them that a roofline step-time model and KV-capacity planning need. Imports only
 * src/core.
 */
export { ModelsError, type ModelsErrorReason } from './models-error.ts';
export {
  parseHfConfig,
  type AttentionSpec,
  type ModelSpec,
  type MoeSpec,
  type QuantizationSpec,
  type WeightDtype,
} from './model-spec.ts';
export { gpuMemoryBytes, type GpuLink, type GpuSpec } from './gpu-spec.ts';
export {
  findGpu,
  findModel,
  findModelEntry,
  listGpus,
  listModels,
  loadCatalog,
  type CatalogModel,
  type PublishedParams,
} from './catalog.ts';
export {
  BYTES_PER_PARAM,
  kvBytesPerToken,
  paramCounts,
  vllmKvBlocks,
  weightBytes,
  type ParamCounts,
  type VllmKvBlocks,
  type VllmKvBlocksInput,
} from './sizes.ts';
export { estimateVllmReserve, vllmBatchDefaults, type VllmBatchLimits, type VllmReserve } from './vllm-reserve.ts';
