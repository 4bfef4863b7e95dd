/**
 * The named presets of the `shared-prefix` workload, read from a calibration file in the format of
 * data/vllm-real/calibration.json (its `presets`: inference-perf's system_prompt_len, question_len,
 * output_len, num_unique_system_prompts, num_users_per_system_prompt, stages of rate_per_s and
 * duration_s). The loader is the only I/O; bad entries name the field.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeError } from '../../core/errors.ts';
import type { SharedPrefixPreset } from './shared-prefix.ts';

/** data/vllm-real/calibration.json of this package. */
export const DEFAULT_CALIBRATION_FILE = fileURLToPath(new URL('../../../data/vllm-real/calibration.json', import.meta.url));

function bad(path: string, detail: string): never {
  throw makeError('invalid_config', { path, detail });
}

function count(o: Record<string, unknown>, key: string, path: string, min: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) bad(`${path}.${key}`, `must be an integer ≥ ${min}, got ${String(v)}`);
  return v;
}

function positive(o: Record<string, unknown>, key: string, path: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) bad(`${path}.${key}`, `must be a number > 0, got ${String(v)}`);
  return v;
}

/** Presets of a parsed calibration file (its `presets` object). */
export function presetsOf(calibration: unknown, source = 'calibration file'): Record<string, SharedPrefixPreset> {
  const presets = (calibration as { presets?: unknown } | null)?.presets;
  if (typeof presets !== 'object' || presets === null || Array.isArray(presets)) bad(`${source} presets`, 'must be an object of named presets');
  const out: Record<string, SharedPrefixPreset> = {};
  for (const [name, raw] of Object.entries(presets as Record<string, unknown>)) {
    const path = `${source} presets.${name}`;
    if (typeof raw !== 'object' || raw === null) bad(path, 'must be an object');
    const o = raw as Record<string, unknown>;
    const stages = o.stages;
    if (!Array.isArray(stages) || stages.length === 0) bad(`${path}.stages`, 'must be a non-empty list of {rate_per_s, duration_s}');
    const stageText = stages
      .map((s, i) => {
        const so = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
        return `${positive(so, 'rate_per_s', `${path}.stages[${i}]`)}:${positive(so, 'duration_s', `${path}.stages[${i}]`)}`;
      })
      .join(',');
    out[name] = {
      systemPromptLen: count(o, 'system_prompt_len', path, 0),
      questionLen: count(o, 'question_len', path, 0),
      outputLen: count(o, 'output_len', path, 1),
      numGroups: count(o, 'num_unique_system_prompts', path, 1),
      usersPerGroup: count(o, 'num_users_per_system_prompt', path, 1),
      stages: stageText,
    };
  }
  return out;
}

/** Read the presets of a calibration file (default: the shipped one). */
export function loadSharedPrefixPresets(file: string = DEFAULT_CALIBRATION_FILE): Record<string, SharedPrefixPreset> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw makeError('invalid_config', { path: file, detail: `cannot read the calibration file: ${(err as Error).message}` });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw makeError('invalid_config', { path: file, detail: `not JSON: ${(err as Error).message}` });
  }
  return presetsOf(parsed, file);
}
