/**
 * Workload parameters: defaults merged with overrides, validated once against the workload's schema
 * (core/schema.ts: one TypeBox field per parameter, built with the helpers below), then frozen. An
 * unknown name or a bad value is an `invalid_config` KvlabError naming the workload and the parameter
 * ("Invalid multiturn parameter numUsers: must be an integer ≥ 1, got 0"), which the CLI prints as one
 * line naming the flag. Overrides that are `undefined` keep the default, so a CLI can pass every flag
 * through whether the user set it or not; null unsets an optional parameter.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { bool as boolField, firstProblem, int as intField, invalid, num as numField, oneOf as oneOfField } from '../../core/schema.ts';

/** The schema of one parameter. */
export type Check = TSchema;

export const int = (min?: number, max?: number): Check => intField(min, max);

export const num = (min?: number, max?: number, opts: { exclusiveMin?: boolean } = {}): Check => numField({ min, max, exclusiveMin: opts.exclusiveMin });

export const bool: Check = boolField();

export const oneOf = (values: readonly string[]): Check => oneOfField(values);

/** An optional parameter: unset (undefined) passes; anything else must pass `check`. */
export const optional = (check: Check): Check => Type.Optional(check);

/** Throw the standard error for a workload parameter. */
export function badParam(workload: string, name: string, detail: string): never {
  invalid(name, detail, `${workload} parameter`);
}

/**
 * Merge `overrides` into `defaults` and validate every parameter against `checks` (one schema per
 * parameter). Unknown names are rejected; `undefined` overrides keep the default; null becomes
 * undefined (unset).
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
  const problem = firstProblem(Type.Object(checks as Record<string, TSchema>), out);
  if (problem) badParam(workload, problem.path, problem.detail);
  return Object.freeze(out) as Readonly<P>;
}
