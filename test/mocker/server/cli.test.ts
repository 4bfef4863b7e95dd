import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Run `kvlab` (src/cli.ts under tsx) as a child process, with the real node binary so signals reach it.
 * Process start-up (tsx + every subcommand's imports) dominates these tests, hence the long timeouts.
 */
function kvlab(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

describe('kvlab mocker CLI', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('starts two workers on ephemeral ports, prints their URLs, answers, and exits 0 on SIGINT', async () => {
    const run = kvlab(['mocker', '--num-workers', '2', '--port', '0', '--speedup-ratio', '1000', '--kv-events-port', '0']);
    children.push(run.child);
    const urls = await new Promise<string[]>((resolve, reject) => {
      const check = () => {
        const found = [...run.stdout().matchAll(/^(worker-\d+) (http:\/\/127\.0\.0\.1:(\d+)) kv-events tcp:\/\/127\.0\.0\.1:\d+$/gm)];
        if (found.length === 2) resolve(found.map((m) => m[2]));
      };
      run.child.stdout!.on('data', check);
      run.exit.then((code) => reject(new Error(`exited early (${code}): ${run.stderr()}`)));
    });
    expect(new Set(urls).size).toBe(2);
    for (const [i, url] of urls.entries()) {
      expect(url).not.toMatch(/:0$/);
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'kvlab-mock', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-kvlab-worker')).toBe(`worker-${i}`);
      expect((await res.json()).usage.completion_tokens).toBeGreaterThan(0);
    }
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(run.stdout()).toContain('stopped');
  }, 90_000);

  it('a bad flag exits 2 with one line on stderr and no stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['mocker', '--num-workers', '0'], /--num-workers/],
      [['mocker', '--port', 'eighty'], /--port/],
      [['mocker', '--profile', '/definitely/not/here.json'], /--profile/],
      // passed the flag and option checks and then crashed the engine with exit 1 before
      [['mocker', '--watermark', '1'], /Invalid option --watermark: must be a number ≥ 0 and < 1, got 1/],
      [['cluster', '--watermark', '1'], /Invalid option --watermark: must be a number ≥ 0 and < 1, got 1/],
      [['mocker', '--no-such-flag'], /--no-such-flag/],
    ];
    const runs = cases.map(([args]) => kvlab(args));
    children.push(...runs.map((r) => r.child));
    const codes = await Promise.all(runs.map((r) => r.exit));
    runs.forEach((run, i) => {
      expect(codes[i], cases[i][0].join(' ')).toBe(2);
      const lines = run.stderr().trim().split('\n');
      expect(lines, run.stderr()).toHaveLength(1);
      expect(lines[0]).toMatch(cases[i][1]);
      expect(run.stderr()).not.toMatch(/\n\s+at /);
    });
  }, 90_000);
});
