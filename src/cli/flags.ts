/**
 * Flag parsers shared by every `kvlab` subcommand. Each `parse*Flag` is a pure function from the raw
 * string to a typed value that throws commander's InvalidArgumentError with a short reason, so
 * commander prints one line (`error: option '--port <n>' argument 'x' is invalid. ...`). The `*Arg`
 * helpers return ready-made commander argParser callbacks. Flags that set a field of a schema'd
 * options object (engine, mocker, router, workload) parse only the syntax here, no bounds: the range
 * is the schema's (core/schema.ts), and its error names the flag (flag-errors.ts).
 */
import { InvalidArgumentError } from 'commander';

export interface NumberBounds {
  min?: number;
  max?: number;
}

function bounded(n: number, raw: string, kind: string, b: NumberBounds): number {
  if (b.min !== undefined && n < b.min) throw new InvalidArgumentError(`expected ${kind} >= ${b.min}, got '${raw}'.`);
  if (b.max !== undefined && n > b.max) throw new InvalidArgumentError(`expected ${kind} <= ${b.max}, got '${raw}'.`);
  return n;
}

/** A base-10 integer (no fractions, no trailing garbage), optionally bounded. */
export function parseIntFlag(raw: string, bounds: NumberBounds = {}): number {
  const s = raw.trim();
  if (!/^[+-]?\d+$/.test(s)) throw new InvalidArgumentError(`expected an integer, got '${raw}'.`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`integer out of range: '${raw}'.`);
  return bounded(n, raw, 'an integer', bounds);
}

/** A finite decimal number, optionally bounded. */
export function parseFloatFlag(raw: string, bounds: NumberBounds = {}): number {
  const s = raw.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) throw new InvalidArgumentError(`expected a number, got '${raw}'.`);
  const n = Number(s);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`expected a finite number, got '${raw}'.`);
  return bounded(n, raw, 'a number', bounds);
}

/** A TCP port, 0 (ephemeral) to 65535 (for flags that set no schema'd option, e.g. llama-worker's). */
export function parsePortFlag(raw: string): number {
  return parseIntFlag(raw, { min: 0, max: 65535 });
}

/** A comma-separated list of integers, e.g. `500,503`. */
export function parseIntListFlag(raw: string, bounds: NumberBounds = {}): number[] {
  const parts = raw.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new InvalidArgumentError(`expected a comma-separated list of integers, got '${raw}'.`);
  return parts.map((p) => parseIntFlag(p, bounds));
}

/** One of a closed set of names. */
export function parseEnumFlag<T extends string>(raw: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}, got '${raw}'.`);
}

/** A non-empty string. */
export function parseNonEmptyFlag(raw: string): string {
  if (raw.trim() === '') throw new InvalidArgumentError('expected a non-empty value.');
  return raw;
}

export const intArg = (bounds: NumberBounds = {}) => (raw: string): number => parseIntFlag(raw, bounds);
export const floatArg = (bounds: NumberBounds = {}) => (raw: string): number => parseFloatFlag(raw, bounds);
export const portArg = () => (raw: string): number => parsePortFlag(raw);
export const intListArg = (bounds: NumberBounds = {}) => (raw: string): number[] => parseIntListFlag(raw, bounds);
export const enumArg = <T extends string>(allowed: readonly T[]) => (raw: string): T => parseEnumFlag(raw, allowed);
export const nonEmptyArg = () => (raw: string): string => parseNonEmptyFlag(raw);
