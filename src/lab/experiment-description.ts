/**
 * What an experiment says about itself: its file's `description` when it has one, otherwise a
 * sentence built from its settings — the workload, the cluster (workers, router, deployment) and
 * what the matrix varies — so summary.json, `kvlab experiment --list` and the report's lead always
 * say what was run. Pure.
 */
import type { Experiment } from './experiment-file.ts';
import { CLUSTER_DEFAULTS } from './cluster-settings.ts';

function valueText(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

/** 'prefix-ratio workload on 2 workers behind a kv router; matrix: router.mode ∈ {kv, round-robin}'. */
export function settingsDescription(exp: Experiment): string {
  const c = exp.cluster;
  const pd = c.disaggregation;
  const workers = c.numWorkers ?? ((pd?.numPrefillWorkers ?? 0) + (pd?.numDecodeWorkers ?? 0) || CLUSTER_DEFAULTS.numWorkers);
  const mode = c.router?.mode ?? CLUSTER_DEFAULTS.router.mode;
  const timed = c.deployment ? `, timed as ${c.deployment.model} on ${c.deployment.tp ?? 1} × ${c.deployment.gpu}` : '';
  const shape = pd?.numPrefillWorkers && pd.numDecodeWorkers ? ` (${pd.numPrefillWorkers} prefill + ${pd.numDecodeWorkers} decode)` : '';
  const parts = [`${exp.workload.kind} workload on ${workers} worker${workers === 1 ? '' : 's'}${shape} behind a ${mode} router${timed}`];
  const axes = Object.entries(exp.matrix ?? {});
  if (axes.length > 0) parts.push(`matrix: ${axes.map(([k, vs]) => `${k} ∈ {${vs.map(valueText).join(', ')}}`).join(' × ')}`);
  if ((exp.repeats ?? 1) > 1) parts.push(`${exp.repeats} repeats`);
  return parts.join('; ');
}

/** The file's description, or (when it has none) what its settings run. */
export function experimentDescription(exp: Experiment): string {
  const own = exp.description?.trim();
  return own ? exp.description! : `${exp.name} (no description in the file): ${settingsDescription(exp)}.`;
}
