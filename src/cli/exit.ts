/**
 * How the `kvlab` binary (src/cli.ts, the only caller of process.exit) chooses its exit code:
 *  - 0 success; 2 a usage error: a bad flag value, a bad URL, threshold or SLO, a bad experiment file
 *    or --set, an input file or folder that cannot be read (missing), an invalid option of any schema;
 *  - 1 a runtime error (anything else: a server that fails, a bug);
 *  - a code of the command's own (1 too many failed requests, 99 thresholds failed, 130 interrupted):
 *    the command throws `CliExit` after reporting what happened, and the binary exits with `code`
 *    silently.
 */
import { CommanderError } from 'commander';
import { KvlabError, type ErrorCode } from '../core/errors.ts';

export const EXIT_USAGE = 2;
export const EXIT_RUNTIME = 1;

export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = 'CliExit';
  }
}

/** Catalogue codes that are the user's input being wrong, not the run failing. */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['bad_flag', 'bad_experiment_file', 'bad_input', 'invalid_config', 'io_error']);

/** The exit code for what a command threw. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CliExit) return err.code;
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
  if (err instanceof KvlabError) return USAGE_CODES.has(err.code) ? EXIT_USAGE : EXIT_RUNTIME;
  return EXIT_RUNTIME;
}
