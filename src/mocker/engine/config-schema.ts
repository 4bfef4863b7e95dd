/**
 * The engine configuration's schema: the single source of each setting's type and range, used by the
 * Engine itself, the mocker's options, an experiment's cluster section and the virtual cluster
 * (core/schema.ts). Ranges are the engine's: a watermark of 1 would keep the whole pool free, so it
 * is in [0, 1); sizes and budgets are integers ≥ 1; speed-up ratios are > 0.
 */
import { Type } from '@sinclair/typebox';
import { bool, checkOptions, int, num } from '../../core/schema.ts';
import type { EngineConfig } from './types.ts';

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
});

export const EngineConfigSchema = Type.Object(ENGINE_CONFIG_FIELDS);

/** Throws an `invalid_config` error naming the first bad field ("Invalid engine config watermark: …"). */
export function checkEngineConfig(c: EngineConfig): void {
  checkOptions(EngineConfigSchema, c, 'engine config');
}
