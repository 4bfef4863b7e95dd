/**
 * From an options field to the flag the user typed. The validation layer (core/schema.ts) names the
 * field of the options object (`watermark`, `workers.0`, a workload's `numUsers`); at the CLI that
 * becomes a one-line usage error (exit 2) naming the flag (`--watermark`, `--worker`, `--num-users`).
 * Flags whose name is not the field's kebab-case take an entry in the command's `flagOf` table.
 */
import { KvlabError, makeError } from '../core/errors.ts';

/** `numUsers` → `--num-users`. */
export function kebabFlag(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * An `invalid_config` (or `model_not_found`) error naming a field, as a `bad_flag` error naming its
 * flag (`flagOf[field]`, else the field in kebab-case); any other error is returned as it is.
 */
export function asFlagError(err: unknown, flagOf: Readonly<Record<string, string>> = {}): unknown {
  if (err instanceof KvlabError && (err.code === 'invalid_config' || err.code === 'model_not_found') && err.param) {
    const field = err.param.split('.')[0];
    const detail = err.message.replace(/^Invalid [^:]*: /, '');
    return makeError('bad_flag', { flag: flagOf[field] ?? kebabFlag(field), detail });
  }
  return err;
}
