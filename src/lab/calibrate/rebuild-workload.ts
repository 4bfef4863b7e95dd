/**
 * A kvlab bench workload rebuilt from its name and resolved parameters (what run.json's config
 * records, or what a user writes in a workload file for `kvlab predict --workload-file`): the same
 * scripts and send times, to simulate. Only workloads whose inputs kvlab ships can be rebuilt
 * (shared-prefix with its presets, trace with its default trace, multiturn and prefix-ratio).
 */
import { makeError } from '../../core/errors.ts';
import { getWorkload, isWorkloadName, loadSharedPrefixPresets, loadTrace, DEFAULT_TRACE_FILE, type WorkloadName } from '../../client/workloads/index.ts';
import type { Workload } from '../../client/workloads/types.ts';

/** `where` names the source in errors (e.g. `runs/a/run.json config.workload`). */
export async function rebuildWorkload(name: WorkloadName, params: Record<string, unknown>, where: string): Promise<Workload> {
  const def = getWorkload(name);
  switch (name) {
    case 'shared-prefix':
      return def.build(params, { presets: loadSharedPrefixPresets() });
    case 'trace':
      return def.build(params, { rows: await loadTrace(DEFAULT_TRACE_FILE) });
    case 'multiturn':
    case 'prefix-ratio':
      return def.build(params);
    default:
      throw makeError('invalid_config', { path: where, detail: `a ${name} run cannot be rebuilt for simulation (supported: shared-prefix, multiturn, prefix-ratio, trace)`, param: 'runDirs' });
  }
}

/**
 * The workload a JSON file describes: `{"workload": NAME, "params": {…}}`, or a kvlab bench run.json
 * (its `config` holds the same two fields), for `kvlab predict --workload-file`.
 */
export async function loadWorkloadFile(file: string): Promise<Workload> {
  const { readFile } = await import('node:fs/promises');
  let obj: unknown;
  try {
    obj = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw makeError('invalid_config', { path: file, detail: `cannot read the workload file: ${(err as Error).message.split('\n')[0]}`, param: 'workloadFile' });
  }
  const o = obj as { workload?: unknown; params?: unknown; config?: { workload?: unknown; params?: unknown } };
  const spec = o && typeof o === 'object' && o.config && typeof o.config === 'object' ? o.config : o;
  if (!spec || !isWorkloadName(spec.workload) || !spec.params || typeof spec.params !== 'object') {
    throw makeError('invalid_config', { path: file, detail: 'needs {"workload": NAME, "params": {…}} (or a kvlab bench run.json)', param: 'workloadFile' });
  }
  return rebuildWorkload(spec.workload, spec.params as Record<string, unknown>, `${file} workload`);
}
