/**
 * Workload parameters: defaults merged with overrides, validated once, then frozen. Every generator
 * declares one check per parameter; an unknown name or a bad value is an `invalid_config` KvlabError
 * naming the workload and the parameter ("Invalid multiturn parameter numUsers: must be an integer
 * ≥ 1, got 0"), which the CLI prints as one line. Overrides that are `undefined` keep the default, so
 * a CLI can pass every flag through whether the user set it or not.
 */
import { makeError } from '../../core/errors.ts';

/** Returns a problem description, or null when the value is fine. */
export type Check = (value: unknown) => string | null;

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

export function int(min = -Infinity, max = Infinity): Check {
  return (v) =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max
      ? null
      : `must be an integer${rangeText(min, max)}, got ${show(v)}`;
}

export function num(min = -Infinity, max = Infinity, opts: { exclusiveMin?: boolean } = {}): Check {
  return (v) => {
    const ok = typeof v === 'number' && Number.isFinite(v) && (opts.exclusiveMin ? v > min : v >= min) && v <= max;
    return ok ? null : `must be a number${rangeText(min, max, opts.exclusiveMin)}, got ${show(v)}`;
  };
}

export const bool: Check = (v) => (typeof v === 'boolean' ? null : `must be true or false, got ${show(v)}`);

export function oneOf(values: readonly (string | number)[]): Check {
  return (v) => (values.includes(v as string) ? null : `must be one of ${values.map(show).join(', ')}, got ${show(v)}`);
}

/** `undefined` (or null, treated as unset) passes; anything else must pass `check`. */
export function optional(check: Check): Check {
  return (v) => (v === undefined || v === null ? null : check(v));
}

function rangeText(min: number, max: number, exclusiveMin = false): string {
  const lo = Number.isFinite(min) ? `${exclusiveMin ? '>' : '≥'} ${min}` : '';
  const hi = Number.isFinite(max) ? `≤ ${max}` : '';
  if (lo && hi) return ` ${lo} and ${hi}`;
  return lo || hi ? ` ${lo || hi}` : '';
}

/** Throw the standard error for a workload parameter. */
export function badParam(workload: string, name: string, detail: string): never {
  throw makeError('invalid_config', { path: `${workload} parameter ${name}`, detail, param: name });
}

/**
 * Merge `overrides` into `defaults` and validate every parameter with `checks`. Unknown names are
 * rejected; `undefined` overrides keep the default; null becomes undefined (unset).
 */
export function resolveParams<P extends object>(
  workload: string,
  defaults: Readonly<P>,
  overrides: Partial<P> | undefined,
  checks: { readonly [K in keyof P]-?: Check },
): Readonly<P> {
  const out: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(overrides ?? {})) {
    if (!Object.prototype.hasOwnProperty.call(checks, k)) {
      badParam(workload, k, `unknown parameter (known: ${Object.keys(checks).join(', ')})`);
    }
    if (v !== undefined) out[k] = v === null ? undefined : v;
  }
  for (const [k, check] of Object.entries(checks) as [string, Check][]) {
    const problem = check(out[k]);
    if (problem) badParam(workload, k, problem);
  }
  return Object.freeze(out) as Readonly<P>;
}

