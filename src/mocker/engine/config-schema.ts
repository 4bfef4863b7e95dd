/**
 * The engine configuration's schema: the single source of each setting's type and range, used by the
 * Engine itself, the mocker's options, an experiment's cluster section and the virtual cluster
 * (core/schema.ts). Ranges are the engine's: a watermark of 1 would keep the whole pool free, so it
 * is in [0, 1); sizes and budgets are integers ≥ 1; speed-up ratios are > 0.
 */
import { Type } from '@sinclair/typebox';
import { bool, checkOptions, int, invalid, num, oneOf } from '../../core/schema.ts';
import { DISAGGREGATION_MODES, SCHEDULING_POLICIES, type EngineConfig } from './types.ts';

/** One schema per EngineConfig field (composed into the mocker's and the experiment's schemas). */
export const ENGINE_CONFIG_FIELDS = Object.freeze({
  blockSize: int(1),
  numGpuBlocks: int(1),
  maxNumSeqs: int(1),
  maxNumBatchedTokens: int(1),
  enablePrefixCaching: bool(),
  enableChunkedPrefill: bool(),
  watermark: num({ min: 0, max: 1, exclusiveMax: true }),
  speedupRatio: num({ min: 0, exclusiveMin: true }),
  decodeSpeedupRatio: num({ min: 0, exclusiveMin: true }),
  maxModelLen: int(1),
  asyncScheduling: Type.Optional(bool()),
  // KV offload tiers (offload-tiers.ts): sizes in blocks, link bandwidths in GB/s, KV bytes per token.
  kvCpuBlocks: Type.Optional(int(0)),
  kvDiskBlocks: Type.Optional(int(0)),
  kvCpuBandwidthGbps: Type.Optional(num({ min: 0, exclusiveMin: true })),
  kvDiskBandwidthGbps: Type.Optional(num({ min: 0, exclusiveMin: true })),
  kvBytesPerToken: Type.Optional(num({ min: 0, exclusiveMin: true })),
  schedulingPolicy: Type.Optional(oneOf(SCHEDULING_POLICIES)),
  // Disaggregated prefill/decode (kv-transfer.ts): the worker's role, its KV ingress bandwidth and latency.
  disaggregationMode: Type.Optional(oneOf(DISAGGREGATION_MODES)),
  kvTransferBandwidthGbps: Type.Optional(num({ min: 0, exclusiveMin: true })),
  kvTransferLatencyMs: Type.Optional(num({ min: 0 })),
});

export const EngineConfigSchema = Type.Object(ENGINE_CONFIG_FIELDS);

/** Throws an `invalid_config` error naming the first bad field ("Invalid engine config watermark: …"). */
export function checkEngineConfig(c: EngineConfig): void {
  checkOptions(EngineConfigSchema, c, 'engine config');
  const p = offloadConfigProblem(c);
  if (p !== null) invalid(p.key, p.detail, 'engine config');
}

/**
 * What the schema cannot say about the offload tiers, naming the setting (null: nothing): a disk tier
 * sits below a CPU tier, and tiers hold cached (hashed) blocks, so they need prefix caching.
 */
export function offloadConfigProblem(c: Partial<EngineConfig>): { key: keyof EngineConfig; detail: string } | null {
  const cpu = c.kvCpuBlocks ?? 0;
  if ((c.kvDiskBlocks ?? 0) > 0 && cpu === 0) return { key: 'kvDiskBlocks', detail: 'needs a CPU tier (kvCpuBlocks > 0): the disk tier sits below it' };
  if (cpu > 0 && c.enablePrefixCaching === false) return { key: 'kvCpuBlocks', detail: 'needs prefix caching: only cached (hashed) blocks are offloaded' };
  return null;
}
