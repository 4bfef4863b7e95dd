/**
 * Timing profiles: a parsed JSON object that replaces the default timing model. Pure (no fs: the caller
 * reads and parses the file). Two kinds:
 *   { "kind": "polynomial", "prefill": [c2, c1, c0], "decode": [c2, c1, c0], "decodeMinMs"?: 1 }
 *   { "kind": "table", "prefill": [[tokens, ms], ...], "decode": [[usage, ms], ...] }
 * Free-form provenance may go in "name", "description" or "meta" (e.g. what a fitter measured); any
 * other key is rejected so a typo cannot silently fall back to a default. Every error names the field.
 */
import { polynomialTiming, tableTiming, type Quadratic, type TablePoints, type TimingModel } from './timing.ts';

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

/** Validate a parsed profile and build its timing model; throws ProfileError naming the bad field. */
export function loadProfile(obj: unknown): TimingModel {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new ProfileError('profile', `must be a JSON object, got ${describe(obj)}`);
  const p = obj as Record<string, unknown>;
  if (p.name !== undefined && typeof p.name !== 'string') throw new ProfileError('profile.name', `must be a string, got ${describe(p.name)}`);
  if (p.description !== undefined && typeof p.description !== 'string') throw new ProfileError('profile.description', `must be a string, got ${describe(p.description)}`);
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
      return polynomialTiming({ prefill, decode, decodeMinMs });
    }
    case 'table': {
      checkKeys(p, COMMON_KEYS);
      const prefill = table(p.prefill, 'profile.prefill', 'tokens', [0, Number.MAX_SAFE_INTEGER]);
      const decode = table(p.decode, 'profile.decode', 'usage', [0, 1]);
      return tableTiming({ prefill, decode });
    }
    default:
      throw new ProfileError('profile.kind', `must be "polynomial" or "table", got ${describe(p.kind)}`);
  }
}
