/**
 * The one validation layer: every options object (engine, mocker, router, workload parameters, an
 * experiment's cluster section) is a TypeBox schema built from the field builders here, and checked by
 * `firstProblem` / `checkOptions`, which turn TypeBox's first error into a field path and a sentence
 * ("must be a number ≥ 0 and < 1, got 1"). Callers wrap the problem in the error of their edge
 * (`invalid_config` here; a flag name at the CLI, a field of the file or the user's --set in an
 * experiment). Cross-field rules (port + workers ≤ 65535, min ≤ max) stay beside the schema that
 * owns the fields, checked after it.
 *
 * A field may carry an `expected` annotation (a phrase such as "an http(s) URL") that replaces the
 * description derived from its type and bounds.
 */
import { FormatRegistry, Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { makeError } from './errors.ts';

/** `http:` or `https:` URL with a host (the format `Url` fields use). */
FormatRegistry.Set('http-url', (v) => {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== '';
  } catch {
    return false;
  }
});

interface Bounds {
  min?: number;
  max?: number;
  /** The bound itself is excluded (min < v, v < max). */
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
}

function boundKeywords(b: Bounds): Record<string, number> {
  const k: Record<string, number> = {};
  if (b.min !== undefined && Number.isFinite(b.min)) k[b.exclusiveMin ? 'exclusiveMinimum' : 'minimum'] = b.min;
  if (b.max !== undefined && Number.isFinite(b.max)) k[b.exclusiveMax ? 'exclusiveMaximum' : 'maximum'] = b.max;
  return k;
}

/** A safe integer, optionally bounded. */
export const int = (min?: number, max?: number) =>
  Type.Integer({ ...boundKeywords({ min: min ?? Number.MIN_SAFE_INTEGER, max: max ?? Number.MAX_SAFE_INTEGER }), ...(min === undefined && max === undefined ? { expected: 'an integer' } : {}) });
/** A finite number, optionally bounded. */
export const num = (b: Bounds = {}) => Type.Number(boundKeywords(b));
export const bool = () => Type.Boolean();
export const nonEmpty = () => Type.String({ minLength: 1 });
export const oneOf = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
/** A value or null ("unset"). */
export const nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
/** An http(s) URL. */
export const httpUrl = () => Type.String({ format: 'http-url', expected: 'an http(s) URL' });

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return JSON.stringify(v);
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
}

function rangeText(s: Record<string, unknown>): string {
  const lo = s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : s.minimum !== undefined ? `≥ ${s.minimum}` : '';
  const hi = s.exclusiveMaximum !== undefined ? `< ${s.exclusiveMaximum}` : s.maximum !== undefined ? `≤ ${s.maximum}` : '';
  const safe = (t: string) => !/9007199254740991/.test(t);
  const parts = [lo, hi].filter((t) => t !== '' && safe(t));
  return parts.length > 0 ? ` ${parts.join(' and ')}` : '';
}

/** What a schema accepts, as a phrase ("an integer ≥ 1", "true or false", "one of "kv", "random""). */
export function describeSchema(schema: TSchema): string {
  const s = schema as Record<string, unknown>;
  if (typeof s.expected === 'string') return s.expected;
  if (Array.isArray(s.anyOf)) {
    const members = s.anyOf as Record<string, unknown>[];
    if (members.every((m) => m.const !== undefined)) return `one of ${members.map((m) => show(m.const)).join(', ')}`;
    const rest = members.filter((m) => m.type !== 'null');
    const text = rest.map((m) => describeSchema(m as TSchema)).join(' or ');
    return rest.length < members.length ? `${text} or null` : text;
  }
  if (s.const !== undefined) return show(s.const);
  switch (s.type) {
    case 'integer':
      return `an integer${rangeText(s)}`;
    case 'number':
      return `a number${rangeText(s)}`;
    case 'boolean':
      return 'true or false';
    case 'string':
      return s.minLength ? 'a non-empty string' : 'a string';
    case 'array': {
      const item = describeSchema(s.items as TSchema);
      return `a ${s.minItems ? 'non-empty ' : ''}list of ${item.replace(/^an? /, '')}s`;
    }
    case 'object':
      return 'an object';
    case 'null':
      return 'null';
    case 'Function':
      return 'a function';
    default:
      return 'valid';
  }
}

export interface Problem {
  /** Dotted path of the offending field ('' for the whole value). */
  path: string;
  detail: string;
  /** The field is not part of the schema. */
  unknown: boolean;
  /** With `unknown`: the fields its parent has. */
  known?: string[];
  /** A required field is missing. */
  missing: boolean;
}

/** The first thing wrong with `value` under `schema`, or null. */
export function firstProblem(schema: TSchema, value: unknown): Problem | null {
  if (Value.Check(schema, value)) return null;
  const first = Value.Errors(schema, value).First();
  if (!first) return { path: '', detail: `must be ${describeSchema(schema)}`, unknown: false, missing: false };
  const path = first.path.replace(/^\//, '').split('/').filter(Boolean).join('.');
  if (first.type === ValueErrorType.ObjectAdditionalProperties) {
    const known = Object.keys(((first.schema as Record<string, unknown>).properties ?? {}) as object);
    return { path, detail: `unknown field (known: ${known.join(', ')})`, unknown: true, missing: false, known };
  }
  if (first.type === ValueErrorType.ObjectRequiredProperty) return { path, detail: 'missing', unknown: false, missing: true };
  return { path, detail: `must be ${describeSchema(first.schema)}, got ${show(first.value)}`, unknown: false, missing: false };
}

/**
 * Check an options object; throws an `invalid_config` KvlabError whose param is the field's dotted
 * path (`prefix` + path) and whose message reads "Invalid <what> <field>: <detail>".
 */
export function checkOptions(schema: TSchema, value: unknown, what = '', prefix = ''): void {
  const p = firstProblem(schema, value);
  if (p) invalid(`${prefix}${p.path}`, p.detail, what);
}

/** Throw the standard `invalid_config` error for a field. */
export function invalid(field: string, detail: string, what = ''): never {
  throw makeError('invalid_config', { path: what ? `${what} ${field}` : field, detail, param: field });
}
