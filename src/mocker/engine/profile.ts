/**
 * Timing profiles: a parsed JSON object that replaces the default timing model. Pure (no fs: the caller
 * reads and parses the file). Three kinds:
 *   { "kind": "polynomial", "prefill": [c2, c1, c0], "decode": [c2, c1, c0], "decodeMinMs"?: 1 }
 *   { "kind": "table", "prefill": [[tokens, ms], ...], "decode": [[usage, ms], ...] }
 *   { "kind": "roofline", "coefficients": { computeScale, memoryScale, ... }, "deployment"?: {...} }
 * A roofline profile holds only the fitted corrections: the model and GPU they apply to come from the
 * caller (a RooflineSpec); `deployment` records what it was fitted on (free-form). Free-form provenance
 * may go in "name", "description" or "meta"; any other key is rejected so a typo cannot silently fall
 * back to a default. Every error names the field.
 */
import { polynomialTiming } from './timing/polynomial.ts';
import { COEFFICIENT_NAMES, RooflineTiming, type RooflineCoefficients, type RooflineSpec } from './timing/roofline.ts';
import { tableTiming, type TablePoints } from './timing/table.ts';
import type { TimingModel } from './timing/types.ts';
import type { Quadratic } from './timing/polynomial.ts';

export class ProfileError extends Error {
  readonly code = 'bad_profile';
  /** Dotted path of the offending field, e.g. "profile.decode[2][0]". */
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field} ${message}`);
    this.name = 'ProfileError';
    this.field = field;
  }
}

const COMMON_KEYS = ['kind', 'prefill', 'decode', 'name', 'description', 'meta'];

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function finite(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ProfileError(field, `must be a finite number, got ${describe(v)}`);
  return v;
}

function quadratic(v: unknown, field: string): Quadratic {
  if (!Array.isArray(v) || v.length !== 3) throw new ProfileError(field, `must be an array of 3 coefficients [c2, c1, c0], got ${describe(v)}`);
  return [finite(v[0], `${field}[0]`), finite(v[1], `${field}[1]`), finite(v[2], `${field}[2]`)];
}

function table(v: unknown, field: string, xName: string, xRange?: readonly [number, number]): TablePoints {
  if (!Array.isArray(v) || v.length < 2) throw new ProfileError(field, `must be an array of at least 2 [${xName}, ms] points, got ${describe(v)}`);
  const out: (readonly [number, number])[] = [];
  for (let i = 0; i < v.length; i++) {
    const p: unknown = v[i];
    const f = `${field}[${i}]`;
    if (!Array.isArray(p) || p.length !== 2) throw new ProfileError(f, `must be a [${xName}, ms] pair, got ${describe(p)}`);
    const x = finite(p[0], `${f}[0]`);
    const ms = finite(p[1], `${f}[1]`);
    if (xRange && (x < xRange[0] || x > xRange[1])) throw new ProfileError(`${f}[0]`, `(${xName}) must be within ${xRange[0]}..${xRange[1]}, got ${x}`);
    if (ms < 0) throw new ProfileError(`${f}[1]`, `(ms) must be ≥ 0, got ${ms}`);
    if (i > 0 && x <= out[i - 1][0]) throw new ProfileError(`${f}[0]`, `must be greater than ${field}[${i - 1}][0] (${out[i - 1][0]}): ${xName} must be increasing`);
    out.push([x, ms]);
  }
  return out;
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new ProfileError(`profile.${k}`, `is not a known field (expected one of ${allowed.join(', ')})`);
  }
}

/** A validated profile: a ready timing model, or roofline corrections waiting for a deployment. */
export type ParsedProfile =
  | { kind: 'polynomial' | 'table'; timing: TimingModel; name?: string }
  | { kind: 'roofline'; coefficients: RooflineCoefficients; deployment?: Record<string, unknown>; name?: string };

function rooflineCoefficients(v: unknown): RooflineCoefficients {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProfileError('profile.coefficients', `must be an object, got ${describe(v)}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(COEFFICIENT_NAMES as readonly string[]).includes(k)) {
      throw new ProfileError(`profile.coefficients.${k}`, `is not a known coefficient (expected ${COEFFICIENT_NAMES.join(', ')})`);
    }
  }
  const out = {} as RooflineCoefficients;
  for (const k of COEFFICIENT_NAMES) {
    const x = finite(o[k], `profile.coefficients.${k}`);
    if (x < 0) throw new ProfileError(`profile.coefficients.${k}`, `must be ≥ 0, got ${x}`);
    out[k] = x;
  }
  return out;
}

/** Validate a parsed profile; throws ProfileError naming the bad field. */
export function parseProfile(obj: unknown): ParsedProfile {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new ProfileError('profile', `must be a JSON object, got ${describe(obj)}`);
  const p = obj as Record<string, unknown>;
  if (p.name !== undefined && typeof p.name !== 'string') throw new ProfileError('profile.name', `must be a string, got ${describe(p.name)}`);
  if (p.description !== undefined && typeof p.description !== 'string') throw new ProfileError('profile.description', `must be a string, got ${describe(p.description)}`);
  const name = p.name as string | undefined;
  switch (p.kind) {
    case 'polynomial': {
      checkKeys(p, [...COMMON_KEYS, 'decodeMinMs']);
      const prefill = quadratic(p.prefill, 'profile.prefill');
      const decode = quadratic(p.decode, 'profile.decode');
      let decodeMinMs: number | undefined;
      if (p.decodeMinMs !== undefined) {
        decodeMinMs = finite(p.decodeMinMs, 'profile.decodeMinMs');
        if (decodeMinMs < 0) throw new ProfileError('profile.decodeMinMs', `must be ≥ 0, got ${decodeMinMs}`);
      }
      return { kind: 'polynomial', timing: polynomialTiming({ prefill, decode, decodeMinMs }), name };
    }
    case 'table': {
      checkKeys(p, COMMON_KEYS);
      const prefill = table(p.prefill, 'profile.prefill', 'tokens', [0, Number.MAX_SAFE_INTEGER]);
      const decode = table(p.decode, 'profile.decode', 'usage', [0, 1]);
      return { kind: 'table', timing: tableTiming({ prefill, decode }), name };
    }
    case 'roofline': {
      checkKeys(p, ['kind', 'coefficients', 'deployment', 'name', 'description', 'meta']);
      const coefficients = rooflineCoefficients(p.coefficients);
      let deployment: Record<string, unknown> | undefined;
      if (p.deployment !== undefined) {
        if (typeof p.deployment !== 'object' || p.deployment === null || Array.isArray(p.deployment)) throw new ProfileError('profile.deployment', `must be an object, got ${describe(p.deployment)}`);
        deployment = p.deployment as Record<string, unknown>;
      }
      return { kind: 'roofline', coefficients, deployment, name };
    }
    default:
      throw new ProfileError('profile.kind', `must be "polynomial", "table" or "roofline", got ${describe(p.kind)}`);
  }
}

/**
 * Validate a parsed profile and build its timing model; throws ProfileError naming the bad field. A
 * roofline profile needs the deployment it times (`roofline`): without one it is an error.
 */
export function loadProfile(obj: unknown, roofline?: Readonly<RooflineSpec>): TimingModel {
  const parsed = parseProfile(obj);
  if (parsed.kind !== 'roofline') return parsed.timing;
  if (!roofline) throw new ProfileError('profile.kind', 'is "roofline": it needs a model and a GPU to time (--model and --gpu)');
  return new RooflineTiming(roofline, parsed.coefficients);
}
