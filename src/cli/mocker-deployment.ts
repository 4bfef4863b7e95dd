/**
 * `kvlab mocker|cluster --model M --gpu G [--tp N …]`: mock workers timed as a real deployment. The
 * served model name is the model's id (as vLLM serves `--model`), the engine settings are the ones
 * vLLM derives (KV blocks, block size 16, batch limits, async scheduling) unless a flag sets them, and
 * steps are timed by the roofline model with the corrections of `--profile` (a roofline profile, e.g.
 * one `kvlab calibrate` wrote) or the shipped profile.
 */
import type { MockerOptions } from '../mocker/server/options.ts';
import { makeError } from '../core/errors.ts';
import { asFlagError, deploymentOptionsOf, type DeploymentFlags } from './deployment-flags.ts';

/** Engine settings a flag may still set over the deployment's, by option key. */
const ENGINE_KEYS = ['blockSize', 'numGpuBlocks', 'maxNumSeqs', 'maxNumBatchedTokens', 'maxModelLen'] as const;

/**
 * The mocker options a deployment fixes (null without --gpu). `explicit(key)` says whether the user
 * set that option on the command line (a set flag wins over the deployment's value).
 */
export async function deploymentOverrides(
  f: DeploymentFlags & { profile?: string; model?: string },
  explicit: (key: string) => boolean,
): Promise<Partial<MockerOptions> | null> {
  if (f.gpu === undefined && f.modelConfig === undefined) return null;
  const [{ resolveDeployment }, { loadRooflineProfile }, { RooflineTiming }] = await Promise.all([
    import('../lab/deployment.ts'),
    import('../lab/predict/profile.ts'),
    import('../mocker/engine/timing/roofline.ts'),
  ]);
  try {
    const given = (k: (typeof ENGINE_KEYS)[number]): number | undefined => (explicit(k) ? (f[k as keyof DeploymentFlags] as number | undefined) : undefined);
    const d = resolveDeployment({
      ...(await deploymentOptionsOf({ ...f, model: f.model, maxNumSeqs: given('maxNumSeqs'), maxNumBatchedTokens: given('maxNumBatchedTokens'), blockSize: given('blockSize'), maxModelLen: given('maxModelLen'), numGpuBlocks: given('numGpuBlocks') })),
    });
    const profile = loadRooflineProfile(f.profile);
    // Offload and P/D transfers move the model's KV bytes (per GPU), unless --kv-bytes-per-token says otherwise.
    const tiers = f as { kvCpuBlocks?: number; kvCpuGib?: number; disaggregationMode?: string; numPrefillWorkers?: number };
    const moves = tiers.kvCpuBlocks || tiers.kvCpuGib || tiers.disaggregationMode !== undefined || tiers.numPrefillWorkers !== undefined;
    const offload = moves && !explicit('kvBytesPerToken') ? { kvBytesPerToken: d.roofline.kvBytesPerTokenPerGpu } : {};
    return {
      ...d.engine,
      ...offload,
      model: d.model.id ?? f.model ?? 'model',
      profile: new RooflineTiming(d.roofline, profile.coefficients),
    };
  } catch (err) {
    const e = asFlagError(err);
    if (e !== err) throw e;
    throw makeError('bad_flag', { flag: '--gpu', detail: (err as Error).message });
  }
}
