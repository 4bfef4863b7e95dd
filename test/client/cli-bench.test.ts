/**
 * `kvlab bench` flag handling, in-process: bad flags and bad workload parameters are one-line errors
 * naming the flag, raised before anything is sent.
 */
import { describe, expect, it } from 'vitest';
import { Command, CommanderError } from 'commander';
import { registerBench, sharedOptions, type SharedFlags } from '../../src/cli/bench.ts';
import { KvlabError } from '../../src/core/errors.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function program(): { cmd: Command; err: () => string } {
  let err = '';
  const cmd = new Command('kvlab').exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: () => {} });
  registerBench(cmd);
  // exitOverride and output settings must reach the subcommands too.
  for (const c of cmd.commands) {
    c.exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: () => {} });
    for (const w of c.commands) w.exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: () => {} });
  }
  return { cmd, err: () => err };
}

const CLOSED = 'http://127.0.0.1:9';

describe('kvlab bench flags', () => {
  it('rejects a value that is not a number with a one-line commander error', async () => {
    const p = program();
    await expect(p.cmd.parseAsync(['bench', 'multiturn', '--num-users', 'ten'], { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
    expect(p.err()).toMatch(/--num-users <n>.*expected an integer/);
    expect(p.err().trim().split('\n')).toHaveLength(1);
  });

  it("rejects an out-of-range number by the workload's schema, naming the flag", async () => {
    const err = await program()
      .cmd.parseAsync(['bench', 'multiturn', '--url', CLOSED, '--num-users', '0'], { from: 'user' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_flag', message: 'Invalid option --num-users: must be an integer ≥ 1, got 0' });
  });

  it('rejects --shard 3/2 (I must be below N) with a one-line commander error', async () => {
    const p = program();
    await expect(p.cmd.parseAsync(['bench', 'multiturn', '--shard', '3/2'], { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
    expect(p.err()).toMatch(/--shard <i\/n>.*I must be a whole number from 0 to N−1 = 1, got 3/);
    expect(p.err().trim().split('\n')).toHaveLength(1);
  });

  it('rejects a bad threshold before sending anything', async () => {
    const p = program();
    await expect(p.cmd.parseAsync(['bench', 'multiturn', '--url', CLOSED, '--threshold', 'ttft_ms<5'], { from: 'user' })).rejects.toThrow(/needs a statistic/);
  });

  it('rejects a bad goodput SLO and a bad header', async () => {
    await expect(program().cmd.parseAsync(['bench', 'multiturn', '--url', CLOSED, '--goodput', 'latency:5'], { from: 'user' })).rejects.toThrow(/unknown goodput metric/);
    await expect(program().cmd.parseAsync(['bench', 'multiturn', '--url', CLOSED, '--header', 'nocolon'], { from: 'user' })).rejects.toThrow(/Name: value/);
  });

  it('names the flag of an invalid workload parameter', async () => {
    const err = await program()
      .cmd.parseAsync(['bench', 'documents', '--url', CLOSED, '--min-delay', '2', '--max-delay', '1'], { from: 'user' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KvlabError);
    expect((err as KvlabError).code).toBe('bad_flag');
    expect((err as KvlabError).message).toMatch(/--max-delay/);
  });

  it('requires --input-file for conversations', async () => {
    const p = program();
    await expect(p.cmd.parseAsync(['bench', 'conversations', '--url', CLOSED], { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
    expect(p.err()).toMatch(/--input-file/);
  });

  it('rejects a failure share outside 0-1 and a negative warm-up count', async () => {
    const p = program();
    await expect(p.cmd.parseAsync(['bench', 'multiturn', '--url', CLOSED, '--max-failed-share', '1.5'], { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
    expect(p.err()).toMatch(/--max-failed-share <share>/);
    await expect(program().cmd.parseAsync(['bench', 'trace', '--url', CLOSED, '--warmup', '-1'], { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
  });

  it("documents: --no-warmup, --no-first-turn-delay and --no-interleave-turns change llm-d's schedule", async () => {
    const parsed = async (...flags: string[]): Promise<SharedFlags & Record<string, unknown>> => {
      const p = program();
      // Nothing listens at CLOSED: the run fails after parsing, which is all this test needs.
      await p.cmd.parseAsync(['bench', 'documents', '--url', CLOSED, ...flags], { from: 'user' }).catch(() => {});
      return p.cmd.commands[0].commands.find((c) => c.name() === 'documents')!.opts();
    };
    const signal = new AbortController().signal;
    const defaults = await parsed();
    expect(defaults).toMatchObject({ firstTurnDelay: true, interleaveTurns: true });
    expect(sharedOptions(defaults, signal).warmupRequests).toBeUndefined();
    const off = await parsed('--no-warmup', '--no-first-turn-delay', '--no-interleave-turns');
    expect(off).toMatchObject({ firstTurnDelay: false, interleaveTurns: false });
    expect(sharedOptions(off, signal).warmupRequests).toBe(0);
    expect(sharedOptions(await parsed('--warmup', '5'), signal).warmupRequests).toBe(5);
  });

  it('refuses a non-empty --output before sending anything (a usage error: exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvlab-cli-out-'));
    try {
      writeFileSync(join(dir, 'run.json'), '{}');
      const err = await program()
        .cmd.parseAsync(['bench', 'multiturn', '--url', CLOSED, '--output', dir], { from: 'user' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KvlabError);
      expect((err as KvlabError).code).toBe('bad_flag');
      expect((err as KvlabError).message).toMatch(/--output: .* already holds a run \(run\.json\): give --overwrite/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects --output and --output-dir that disagree', async () => {
    await expect(program().cmd.parseAsync(['bench', 'multiturn', '--url', CLOSED, '--output', 'a', '--output-dir', 'b'], { from: 'user' })).rejects.toThrow(/not both/);
  });
});
