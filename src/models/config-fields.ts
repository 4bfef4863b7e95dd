/**
 * Typed reads from one level of a Hugging Face config.json object. Every read names the key with
 * its path (`text_config.num_key_value_heads`) so a missing or malformed field fails with
 * `config.json: <path> is missing` / `config.json: <path> must be ...` and never as a NaN later.
 */
import { ModelsError } from './models-error.ts';

export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(x: unknown): x is JsonObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** One level of a config.json (`prefix` is '' at the top, 'text_config.' inside it). */
export class ConfigFields {
  constructor(
    readonly obj: JsonObject,
    readonly prefix = '',
  ) {}

  path(key: string): string {
    return `${this.prefix}${key}`;
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  /** A required positive integer. */
  int(key: string): number {
    if (!this.has(key)) throw missing(this.path(key));
    return this.positiveInt(key);
  }

  /** An optional positive integer (absent or null gives undefined). */
  optInt(key: string): number | undefined {
    return this.has(key) ? this.positiveInt(key) : undefined;
  }

  /** An optional non-negative integer (a count that may be 0). */
  optCount(key: string): number | undefined {
    if (!this.has(key)) return undefined;
    const v = this.obj[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw invalid(this.path(key), 'must be a non-negative integer', v);
    }
    return v;
  }

  optBool(key: string): boolean | undefined {
    if (!this.has(key)) return undefined;
    const v = this.obj[key];
    if (typeof v !== 'boolean') throw invalid(this.path(key), 'must be true or false', v);
    return v;
  }

  optString(key: string): string | undefined {
    if (!this.has(key)) return undefined;
    const v = this.obj[key];
    if (typeof v !== 'string') throw invalid(this.path(key), 'must be a string', v);
    return v;
  }

  optArray(key: string): readonly unknown[] | undefined {
    if (!this.has(key)) return undefined;
    const v = this.obj[key];
    if (!Array.isArray(v)) throw invalid(this.path(key), 'must be an array', v);
    return v;
  }

  private positiveInt(key: string): number {
    const v = this.obj[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw invalid(this.path(key), 'must be a positive integer', v);
    }
    return v;
  }
}

export function missing(path: string): ModelsError {
  return new ModelsError('missing_field', `config.json: ${path} is missing`, path);
}

export function invalid(path: string, what: string, got: unknown): ModelsError {
  return new ModelsError('invalid_field', `config.json: ${path} ${what} (got ${JSON.stringify(got)})`, path);
}
