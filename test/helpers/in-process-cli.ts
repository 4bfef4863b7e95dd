/**
 * Running `kvlab` subcommands in-process (tests only): a commander program with the given commands
 * registered, stdout and stderr captured, and the error a command threw returned instead of exiting.
 */
import { Command } from 'commander';
import { vi } from 'vitest';

export interface CliRun {
  out: string;
  err: string;
  error: unknown;
}

export async function runCli(register: readonly ((program: Command) => void)[], args: string[]): Promise<CliRun> {
  const program = new Command('kvlab').exitOverride();
  for (const r of register) r(program);
  let out = '';
  let err = '';
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  let error: unknown = null;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    error = e;
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
  return { out, err, error };
}
