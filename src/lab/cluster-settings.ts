/**
 * An experiment's `cluster` section, resolved: defaults filled in one place, the timing profile
 * loaded, and the two shapes the clocks need — the virtual cluster's config and the embedded
 * cluster's options (mock workers + router on ephemeral 127.0.0.1 ports).
 *
 * Time compression (`speedupRatio` S): the engine divides every step by S in both clocks (the mocker's
 * own rule), and the lab divides the workload's own times by S too (cell-workload.ts), so a cell at S
 * is the same scenario as at 1, run S× faster, and the virtual and real clocks measure the same thing.
 * Recorded times are as measured (compressed): multiply by S for the uncompressed scenario.
 *
 * `deployment` ({model, gpu, tp, …}) times the engines as that real deployment: the roofline model
 * with the corrections of `profile` (a roofline profile; the shipped one when absent), and engine
 * settings derived as vLLM derives them (KV blocks, block size 16, batch limits, async scheduling)
 * wherever the cluster section does not set them itself.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { blocksOfGib, DEFAULT_ENGINE_CONFIG, loadProfile, RooflineTiming, type EngineConfig, type TimingModel } from '../mocker/engine/index.ts';
import { KvlabError } from '../core/errors.ts';
import { findGpu } from '../models/index.ts';
import { resolveDeployment, type Deployment } from './deployment.ts';
import { modelOf } from './predict/model-arg.ts';
import { loadRooflineProfile } from './predict/profile.ts';
import type { ClusterOptions } from './cluster.ts';
import type { WorkerLink } from './in-process-link.ts';
import type { VirtualClusterConfig } from './virtual/index.ts';
import { ExperimentFileError, type ClusterSettings, type RouterMode } from './experiment-file.ts';

export interface ResolvedCluster {
  /** Every worker (prefill and decode ones included). */
  numWorkers: number;
  /** Disaggregated prefill/decode: the first this many workers prefill, the rest decode (absent: aggregated). */
  prefillWorkers?: number;
  engine: EngineConfig;
  reasoningRatio: number;
  router: { mode: RouterMode; kvOverlapScoreWeight: number; routerTemperature: number; routerTtlS: number } & RouterSignalSettings;
  /** The profile's path as written (resolved), or null for the engine's default curves (or the shipped roofline profile). */
  profilePath: string | null;
  timing: TimingModel | undefined;
  /** The real deployment the engines are timed as, when the section names one. */
  deployment: Deployment | null;
  /** Real clock only: how the embedded router reaches its workers. */
  workerLink: WorkerLink;
  /** `tokenizer`, resolved against the experiment file's folder; null for kvlab's o200k_base. */
  tokenizerPath: string | null;
}

/**
 * Stale and lost signals, router replicas (both clocks) and offload-tier credits;
 * absent = current, lossless, one router, Dynamo's credits (the run.json config then omits them).
 */
export interface RouterSignalSettings {
  kvEventDelayMs?: number;
  kvEventLoss?: number;
  loadRefreshMs?: number;
  replicas?: number;
  replicaSync?: boolean;
  replicaSpread?: 'round-robin' | 'random';
  kvCpuHitCredit?: number;
  kvDiskHitCredit?: number;
}

/**
 * Every optional router setting the resolved cluster carries only when set, in run.json's order: the
 * signal and replica settings, then the offload tiers' hit credits (router-sim/tier-index.ts). The
 * embedded router takes them all.
 */
const ROUTER_EXTRA_SETTINGS = ['kvEventDelayMs', 'kvEventLoss', 'loadRefreshMs', 'replicas', 'replicaSync', 'replicaSpread', 'kvCpuHitCredit', 'kvDiskHitCredit'] as const;

/** The settings of `keys` that `r` sets, and only those. */
function setSettings(r: RouterSignalSettings | undefined, keys: readonly (keyof RouterSignalSettings)[]): RouterSignalSettings {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (r?.[key] !== undefined) out[key] = r[key];
  return out as RouterSignalSettings;
}

/** What an experiment gets when its cluster section leaves a setting out. */
export const CLUSTER_DEFAULTS = Object.freeze({
  numWorkers: 2,
  reasoningRatio: 0,
  router: Object.freeze({ mode: 'kv' as RouterMode, kvOverlapScoreWeight: 1, routerTemperature: 0, routerTtlS: 120 }),
});

/** Parsed profiles by absolute path (a sweep reads each file once). */
const profiles = new Map<string, TimingModel>();

function readProfile(path: string): TimingModel {
  const cached = profiles.get(path);
  if (cached) return cached;
  let obj: unknown;
  try {
    obj = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ExperimentFileError(`field 'cluster.profile': cannot read ${path} (${(err as Error).message})`, 'cluster.profile');
  }
  try {
    const model = loadProfile(obj);
    profiles.set(path, model);
    return model;
  } catch (err) {
    throw new ExperimentFileError(`field 'cluster.profile': ${path}: ${(err as Error).message}`, 'cluster.profile');
  }
}

/** The deployment of a cluster section (errors name the field). */
function deploymentOf(c: ClusterSettings): Deployment | null {
  const d = c.deployment;
  if (!d) return null;
  try {
    return resolveDeployment({
      model: modelOf(d.model),
      gpu: findGpu(d.gpu),
      tp: d.tp,
      gpuMemoryUtilization: d.gpuMemoryUtilization,
      weightDtype: d.weightDtype,
      asyncScheduling: d.asyncScheduling,
      maxNumSeqs: c.maxNumSeqs,
      maxNumBatchedTokens: c.maxNumBatchedTokens,
      blockSize: c.blockSize,
      maxModelLen: c.maxModelLen,
      numGpuBlocks: c.numGpuBlocks,
    });
  } catch (err) {
    const field = err instanceof KvlabError && err.param ? `cluster.deployment.${err.param}` : 'cluster.deployment';
    throw new ExperimentFileError(`field '${field}': ${(err as Error).message}`, field);
  }
}

/** The roofline timing of a deployment with the profile's corrections (the shipped profile when none). */
function rooflineTiming(d: Deployment, profilePath: string | null): TimingModel {
  try {
    return new RooflineTiming(d.roofline, loadRooflineProfile(profilePath ?? undefined).coefficients);
  } catch (err) {
    throw new ExperimentFileError(`field 'cluster.profile': ${(err as Error).message}`, 'cluster.profile');
  }
}

/** Fill defaults; `baseDir` resolves a relative profile path (the experiment file's folder). */
export function resolveCluster(c: ClusterSettings, baseDir: string): ResolvedCluster {
  const deployment = deploymentOf(c);
  const d = deployment ? { ...DEFAULT_ENGINE_CONFIG, ...deployment.engine } : DEFAULT_ENGINE_CONFIG;
  const profilePath = c.profile === undefined ? null : resolve(baseDir, c.profile);
  const pd = disaggregationOf(c, deployment);
  return {
    numWorkers: pd.numWorkers ?? c.numWorkers ?? CLUSTER_DEFAULTS.numWorkers,
    ...(pd.prefillWorkers !== undefined ? { prefillWorkers: pd.prefillWorkers } : {}),
    engine: {
      blockSize: c.blockSize ?? d.blockSize,
      numGpuBlocks: c.numGpuBlocks ?? d.numGpuBlocks,
      maxNumSeqs: c.maxNumSeqs ?? d.maxNumSeqs,
      maxNumBatchedTokens: c.maxNumBatchedTokens ?? d.maxNumBatchedTokens,
      enablePrefixCaching: c.enablePrefixCaching ?? d.enablePrefixCaching,
      enableChunkedPrefill: c.enableChunkedPrefill ?? d.enableChunkedPrefill,
      watermark: c.watermark ?? d.watermark,
      speedupRatio: c.speedupRatio ?? d.speedupRatio,
      decodeSpeedupRatio: c.decodeSpeedupRatio ?? d.decodeSpeedupRatio,
      maxModelLen: c.maxModelLen ?? d.maxModelLen,
      ...(d.asyncScheduling !== undefined ? { asyncScheduling: d.asyncScheduling } : {}),
      ...(c.schedulingPolicy !== undefined ? { schedulingPolicy: c.schedulingPolicy } : {}),
      ...offloadOf(c, deployment),
      ...pd.engine,
    },
    reasoningRatio: c.reasoningRatio ?? CLUSTER_DEFAULTS.reasoningRatio,
    router: {
      mode: c.router?.mode ?? CLUSTER_DEFAULTS.router.mode,
      kvOverlapScoreWeight: c.router?.kvOverlapScoreWeight ?? CLUSTER_DEFAULTS.router.kvOverlapScoreWeight,
      routerTemperature: c.router?.routerTemperature ?? CLUSTER_DEFAULTS.router.routerTemperature,
      routerTtlS: c.router?.routerTtlS ?? CLUSTER_DEFAULTS.router.routerTtlS,
      ...setSettings(c.router, ROUTER_EXTRA_SETTINGS),
    },
    profilePath,
    timing: deployment ? rooflineTiming(deployment, profilePath) : profilePath === null ? undefined : readProfile(profilePath),
    deployment,
    workerLink: c.workerLink ?? 'in-process',
    tokenizerPath: c.tokenizer === undefined ? null : resolve(baseDir, c.tokenizer),
  };
}

/**
 * The offload-tier settings a cluster section sets (none: no keys, so a run without tiers records the
 * same engine config as before). KV bytes per token come from the deployment's model when there is one.
 */
function offloadOf(c: ClusterSettings, deployment: Deployment | null): Partial<EngineConfig> {
  const o = c.kvOffload;
  const out: Partial<EngineConfig> = {};
  if (!o) return out;
  if (o.cpuBlocks !== undefined) out.kvCpuBlocks = o.cpuBlocks;
  if (o.diskBlocks !== undefined) out.kvDiskBlocks = o.diskBlocks;
  if (o.cpuBandwidthGbps !== undefined) out.kvCpuBandwidthGbps = o.cpuBandwidthGbps;
  if (o.diskBandwidthGbps !== undefined) out.kvDiskBandwidthGbps = o.diskBandwidthGbps;
  if (o.bytesPerToken !== undefined) out.kvBytesPerToken = o.bytesPerToken;
  if ((out.kvCpuBlocks || o.cpuGib) && out.kvBytesPerToken === undefined && deployment) out.kvBytesPerToken = deployment.roofline.kvBytesPerTokenPerGpu;
  for (const [gibKey, blocksKey] of [['cpuGib', 'kvCpuBlocks'], ['diskGib', 'kvDiskBlocks']] as const) {
    const gib = o[gibKey];
    if (gib === undefined) continue;
    const field = `cluster.kvOffload.${gibKey}`;
    if (out[blocksKey] !== undefined) throw new ExperimentFileError(`field '${field}': give the tier's size once, in blocks or in GiB`, field);
    if (out.kvBytesPerToken === undefined) throw new ExperimentFileError(`field '${field}': needs the model's KV bytes per token (a cluster.deployment, or kvOffload.bytesPerToken)`, field);
    out[blocksKey] = blocksOfGib(gib, out.kvBytesPerToken, c.blockSize ?? deployment?.engine.blockSize ?? DEFAULT_ENGINE_CONFIG.blockSize);
  }
  if ((out.kvDiskBlocks ?? 0) > 0 && !out.kvCpuBlocks) {
    throw new ExperimentFileError("field 'cluster.kvOffload.diskBlocks': a disk tier needs a CPU tier above it (cluster.kvOffload.cpuBlocks > 0)", 'cluster.kvOffload.diskBlocks');
  }
  return out;
}

/**
 * The `disaggregation` section (absent or `{}`: aggregated, no keys): both worker counts, each ≥ 1, and
 * numWorkers (when set) their sum; the transfer settings only with them. KV bytes per token come from
 * the deployment's model when there is one (they size the transfer).
 */
function disaggregationOf(c: ClusterSettings, deployment: Deployment | null): { numWorkers?: number; prefillWorkers?: number; engine: Partial<EngineConfig> } {
  const s = c.disaggregation ?? {};
  const p = s.numPrefillWorkers;
  const d = s.numDecodeWorkers;
  const field = (key: string) => `cluster.disaggregation.${key}`;
  if (p === undefined && d === undefined) {
    for (const key of ['kvTransferBandwidthGbps', 'kvTransferLatencyMs'] as const) {
      if (s[key] !== undefined) throw new ExperimentFileError(`field '${field(key)}': needs a disaggregated cluster (numPrefillWorkers and numDecodeWorkers)`, field(key));
    }
    return { engine: {} };
  }
  for (const [key, n] of [['numPrefillWorkers', p], ['numDecodeWorkers', d]] as const) {
    if (n === undefined) throw new ExperimentFileError(`field '${field(key)}': a disaggregated cluster needs both numPrefillWorkers and numDecodeWorkers (each ≥ 1)`, field(key));
    if (n < 1) throw new ExperimentFileError(`field '${field(key)}': a disaggregated cluster needs at least one worker of each kind, got ${n}`, field(key));
  }
  const total = p! + d!;
  if (c.numWorkers !== undefined && c.numWorkers !== total) {
    throw new ExperimentFileError(`field 'cluster.numWorkers': ${c.numWorkers} ≠ ${p} prefill + ${d} decode workers`, 'cluster.numWorkers');
  }
  const engine: Partial<EngineConfig> = {};
  if (s.kvTransferBandwidthGbps !== undefined) engine.kvTransferBandwidthGbps = s.kvTransferBandwidthGbps;
  if (s.kvTransferLatencyMs !== undefined) engine.kvTransferLatencyMs = s.kvTransferLatencyMs;
  if (c.kvOffload?.bytesPerToken === undefined && deployment) engine.kvBytesPerToken = deployment.roofline.kvBytesPerTokenPerGpu;
  return { numWorkers: total, prefillWorkers: p!, engine };
}

export function virtualClusterConfig(c: ResolvedCluster): VirtualClusterConfig {
  return {
    numWorkers: c.numWorkers,
    ...(c.prefillWorkers !== undefined ? { prefillWorkers: c.prefillWorkers } : {}),
    engine: { ...c.engine },
    ...(c.timing ? { timing: c.timing } : {}),
    reasoningRatio: c.reasoningRatio,
    router: { ...c.router },
  };
}

/** The embedded cluster's options: every port ephemeral, KV events only where the router reads them. */
export function embeddedClusterOptions(c: ResolvedCluster, seed: number): ClusterOptions {
  return {
    numWorkers: c.numWorkers,
    ...(c.prefillWorkers !== undefined ? { prefillWorkers: c.prefillWorkers } : {}),
    mocker: { ...c.engine, reasoningRatio: c.reasoningRatio, profile: c.timing ?? null, seed, host: '127.0.0.1' },
    router: {
      mode: c.router.mode,
      port: 0,
      overlapScoreWeight: c.router.kvOverlapScoreWeight,
      temperature: c.router.routerTemperature,
      routerTtlS: c.router.routerTtlS,
      seed,
      ...setSettings(c.router, ROUTER_EXTRA_SETTINGS),
    },
    kvEvents: c.router.mode === 'kv',
    workerLink: c.workerLink,
  };
}

/** The resolved settings as written into each run's run.json (the profile by path, not as functions). */
export function clusterConfigRecord(c: ResolvedCluster): Record<string, unknown> {
  const d = c.deployment;
  return {
    numWorkers: c.numWorkers,
    ...(c.prefillWorkers !== undefined ? { prefillWorkers: c.prefillWorkers } : {}),
    engine: c.engine,
    reasoningRatio: c.reasoningRatio,
    router: c.router,
    profile: c.profilePath ?? (d ? 'default roofline' : null),
    ...(d ? { deployment: { model: d.model.id, gpu: d.gpu.name, tp: d.tp, weightDtype: d.weightDtype, timing: 'roofline' } } : {}),
    ...(c.tokenizerPath !== null ? { tokenizer: c.tokenizerPath } : {}),
  };
}
