/**
 * Roofline profiles for `predict`, the mocker and experiments: the shipped default (fitted by `kvlab
 * calibrate --measurements data/vllm-real/calibration.json` on those 15 real vLLM runs, nothing else)
 * or a user's file. The coefficients apply to any deployment; the model and GPU come from flags.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeError } from '../../core/errors.ts';
import { parseProfile, ProfileError } from '../../mocker/engine/profile.ts';
import type { RooflineCoefficients } from '../../mocker/engine/timing/roofline.ts';

/** The shipped profile's path. */
export const DEFAULT_PROFILE_FILE = fileURLToPath(new URL('./default-profile.json', import.meta.url));

export interface RooflineProfile {
  name: string;
  coefficients: RooflineCoefficients;
  /** Where it came from (a file path, or "default"). */
  source: string;
}

/** Read a roofline profile file (default: the shipped one); errors name the file and the field. */
export function loadRooflineProfile(file: string = DEFAULT_PROFILE_FILE): RooflineProfile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw makeError('invalid_config', { path: file, detail: `cannot read the profile: ${(err as Error).message}`, param: 'profile' });
  }
  let parsed;
  try {
    parsed = parseProfile(JSON.parse(text));
  } catch (err) {
    const detail = err instanceof ProfileError ? err.message : `not JSON: ${(err as Error).message}`;
    throw makeError('invalid_config', { path: file, detail, param: 'profile' });
  }
  if (parsed.kind !== 'roofline') {
    throw makeError('invalid_config', { path: file, detail: `is a ${parsed.kind} profile; a model and GPU need a roofline profile (kvlab calibrate writes one)`, param: 'profile' });
  }
  return { name: parsed.name ?? (file === DEFAULT_PROFILE_FILE ? 'default' : file), coefficients: parsed.coefficients, source: file === DEFAULT_PROFILE_FILE ? 'default' : file };
}
