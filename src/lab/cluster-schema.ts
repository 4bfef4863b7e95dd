/**
 * The schemas of an experiment's `cluster` section and of the virtual cluster's settings, composed from
 * the engine's, the mocker's, the router's and a deployment's own field schemas (core/schema.ts), so a setting has one
 * type and one range whichever way it is given: a flag of `kvlab mocker`/`router`/`cluster`, a field of
 * an experiment file or an `--set` override, or a programmatic start. Only the names differ where the
 * experiment spells a router setting its own way (kvOverlapScoreWeight ≡ the router's
 * overlapScoreWeight, routerTemperature ≡ temperature).
 */
import { Type } from '@sinclair/typebox';
import { int, nonEmpty } from '../core/schema.ts';
import { DEPLOYMENT_OPTION_FIELDS as D } from './deployment.ts';
import { ENGINE_CONFIG_FIELDS as E } from '../mocker/engine/config-schema.ts';
import { MOCKER_OPTION_FIELDS as M } from '../mocker/server/options.ts';
import { ROUTER_OPTION_FIELDS as R } from '../router-sim/server/options.ts';

/** The router settings an experiment (and the virtual cluster) names, by their experiment names. */
export const ROUTER_SETTING_FIELDS = Object.freeze({
  mode: R.mode,
  kvOverlapScoreWeight: R.overlapScoreWeight,
  routerTemperature: R.temperature,
  routerTtlS: R.routerTtlS,
});

export const RouterSettingsSchema = Type.Object(
  {
    mode: ROUTER_SETTING_FIELDS.mode,
    kvOverlapScoreWeight: Type.Optional(ROUTER_SETTING_FIELDS.kvOverlapScoreWeight),
    routerTemperature: Type.Optional(ROUTER_SETTING_FIELDS.routerTemperature),
    routerTtlS: Type.Optional(ROUTER_SETTING_FIELDS.routerTtlS),
  },
  { additionalProperties: false },
);

/** A real deployment the engines are timed as (roofline model); see src/lab/deployment.ts. */
export const DeploymentSettingsSchema = Type.Object(
  {
    model: nonEmpty(),
    gpu: nonEmpty(),
    tp: Type.Optional(D.tp),
    gpuMemoryUtilization: Type.Optional(D.gpuMemoryUtilization),
    weightDtype: Type.Optional(D.weightDtype),
    asyncScheduling: Type.Optional(D.asyncScheduling),
  },
  { additionalProperties: false },
);

export const ClusterSettingsSchema = Type.Object(
  {
    numWorkers: Type.Optional(M.numWorkers),
    router: Type.Optional(RouterSettingsSchema),
    blockSize: Type.Optional(E.blockSize),
    numGpuBlocks: Type.Optional(E.numGpuBlocks),
    maxNumSeqs: Type.Optional(E.maxNumSeqs),
    maxNumBatchedTokens: Type.Optional(E.maxNumBatchedTokens),
    enablePrefixCaching: Type.Optional(E.enablePrefixCaching),
    enableChunkedPrefill: Type.Optional(E.enableChunkedPrefill),
    watermark: Type.Optional(E.watermark),
    speedupRatio: Type.Optional(E.speedupRatio),
    decodeSpeedupRatio: Type.Optional(E.decodeSpeedupRatio),
    maxModelLen: Type.Optional(E.maxModelLen),
    reasoningRatio: Type.Optional(M.reasoningRatio),
    profile: Type.Optional(Type.String()),
    deployment: Type.Optional(DeploymentSettingsSchema),
  },
  { additionalProperties: false },
);

/**
 * What the virtual cluster checks before it runs (its engines check their own config): the resolved
 * cluster (every router setting present) and the loop's guards.
 */
export const VirtualRunCheckSchema = Type.Object({
  cluster: Type.Object({
    numWorkers: M.numWorkers,
    reasoningRatio: M.reasoningRatio,
    router: Type.Object(ROUTER_SETTING_FIELDS),
  }),
  maxEvents: Type.Optional(int(1)),
  noProgressLimit: Type.Optional(int(1)),
  defaultMaxTokens: Type.Optional(int(1)),
});
