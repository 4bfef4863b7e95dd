/**
 * The schemas of an experiment's `cluster` section and of the virtual cluster's settings, composed from
 * the engine's, the mocker's, the router's and a deployment's own field schemas (core/schema.ts), so a setting has one
 * type and one range whichever way it is given: a flag of `kvlab mocker`/`router`/`cluster`, a field of
 * an experiment file or an `--set` override, or a programmatic start. Only the names differ where the
 * experiment spells a router setting its own way (kvOverlapScoreWeight ≡ the router's
 * overlapScoreWeight, routerTemperature ≡ temperature).
 */
import { Type, type TOptional } from '@sinclair/typebox';
import { bool, int, nonEmpty, num, oneOf } from '../core/schema.ts';
import { DEPLOYMENT_OPTION_FIELDS as D } from './deployment.ts';
import { ENGINE_CONFIG_FIELDS as E } from '../mocker/engine/config-schema.ts';
import { MOCKER_OPTION_FIELDS as M } from '../mocker/server/options.ts';
import { ROUTER_OPTION_FIELDS as R } from '../router-sim/server/options.ts';
import { WORKER_LINKS } from './in-process-link.ts';

/** The router settings an experiment (and the virtual cluster) names, by their experiment names. */
export const ROUTER_SETTING_FIELDS = Object.freeze({
  mode: R.mode,
  kvOverlapScoreWeight: R.overlapScoreWeight,
  routerTemperature: R.temperature,
  routerTtlS: R.routerTtlS,
});

/** Signal and replica settings (router science): optional wherever they appear. */
export const ROUTER_SIGNAL_FIELDS = Object.freeze({
  /** KV events reach the router this many ms after their step. */
  kvEventDelayMs: R.kvEventDelayMs,
  /** Share of KV event batches lost, seeded. */
  kvEventLoss: R.kvEventLoss,
  /** Period of the router's load signal, ms. */
  loadRefreshMs: R.loadRefreshMs,
  /** Router replicas behind a front spreader, each with its own in-flight view. */
  replicas: R.replicas,
  /** Replicas share in-flight load (Dynamo's --router-replica-sync). */
  replicaSync: R.replicaSync,
  /** How the front spreads requests over replicas. */
  replicaSpread: R.replicaSpread,
  /** Overlap credit of a block in a worker's CPU / disk offload tier (Dynamo's 0.75 / 0.25). */
  kvCpuHitCredit: num({ min: 0, max: 1 }),
  kvDiskHitCredit: num({ min: 0, max: 1 }),
});

/**
 * KV offload tiers below GPU memory (src/mocker/engine/offload-tiers.ts): sizes in blocks (0 or absent:
 * no tier), link bandwidths in GB/s, KV bytes per token (the deployment's model's when absent), each
 * with the engine's own range. One object, so a matrix axis can compare whole tier setups.
 */
export const KvOffloadSettingsSchema = Type.Object(
  {
    cpuBlocks: E.kvCpuBlocks,
    diskBlocks: E.kvDiskBlocks,
    cpuBandwidthGbps: E.kvCpuBandwidthGbps,
    diskBandwidthGbps: E.kvDiskBandwidthGbps,
    bytesPerToken: E.kvBytesPerToken,
    /** Tier sizes in GiB instead of blocks (with the deployment's model or bytesPerToken). */
    cpuGib: Type.Optional(num({ min: 0 })),
    diskGib: Type.Optional(num({ min: 0 })),
  },
  { additionalProperties: false },
);

/**
 * Disaggregated prefill/decode (src/mocker/engine/kv-transfer.ts, lab/cluster.ts): prefill and decode
 * workers (both, each ≥ 1; numWorkers, when set, is their sum) and the KV transfer into a decode worker.
 * `{}` is an aggregated cluster. One object, so a matrix axis can compare aggregated and P/D setups.
 */
export const DisaggregationSettingsSchema = Type.Object(
  {
    numPrefillWorkers: Type.Optional(int(0, 1024)),
    numDecodeWorkers: Type.Optional(int(0, 1024)),
    kvTransferBandwidthGbps: E.kvTransferBandwidthGbps,
    kvTransferLatencyMs: E.kvTransferLatencyMs,
  },
  { additionalProperties: false },
);

const optionalSignals = () =>
  Object.fromEntries(Object.entries(ROUTER_SIGNAL_FIELDS).map(([k, v]) => [k, Type.Optional(v)])) as {
    [K in keyof typeof ROUTER_SIGNAL_FIELDS]: TOptional<(typeof ROUTER_SIGNAL_FIELDS)[K]>;
  };

export const RouterSettingsSchema = Type.Object(
  {
    mode: ROUTER_SETTING_FIELDS.mode,
    kvOverlapScoreWeight: Type.Optional(ROUTER_SETTING_FIELDS.kvOverlapScoreWeight),
    routerTemperature: Type.Optional(ROUTER_SETTING_FIELDS.routerTemperature),
    routerTtlS: Type.Optional(ROUTER_SETTING_FIELDS.routerTtlS),
    ...optionalSignals(),
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
    kvOffload: Type.Optional(KvOffloadSettingsSchema),
    /** vLLM's scheduling policy of every engine: fcfs (default) or priority. */
    schedulingPolicy: E.schedulingPolicy,
    disaggregation: Type.Optional(DisaggregationSettingsSchema),
    reasoningRatio: Type.Optional(M.reasoningRatio),
    profile: Type.Optional(Type.String()),
    /** A Hugging Face tokenizer (model folder or tokenizer.json, relative to the experiment file): real-clock cells only. */
    tokenizer: Type.Optional(Type.String({ minLength: 1 })),
    deployment: Type.Optional(DeploymentSettingsSchema),
    /** Real clock: how the embedded router reaches its workers (in-process by default, or loopback HTTP). */
    workerLink: Type.Optional(oneOf(WORKER_LINKS)),
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
    prefillWorkers: Type.Optional(int(0)),
    reasoningRatio: M.reasoningRatio,
    router: Type.Object({ ...ROUTER_SETTING_FIELDS, ...optionalSignals() }),
  }),
  maxEvents: Type.Optional(int(1)),
  noProgressLimit: Type.Optional(int(1)),
  defaultMaxTokens: Type.Optional(int(1)),
});
