/**
 * How a command ends the process with a code of its own (99: thresholds failed, 130: interrupted)
 * without calling process.exit: it throws `CliExit`, and the binary (src/cli.ts), the only caller of
 * process.exit, exits with `code` and prints nothing (the command already reported what happened).
 */
export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = 'CliExit';
  }
}
