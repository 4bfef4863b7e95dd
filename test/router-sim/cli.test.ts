import { spawn, spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { chat, waitFor } from './helpers.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const NODE_ARGS = ['--import', 'tsx', 'src/cli.ts'];
const children: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('kvlab router / cluster CLI', () => {
  it('rejects router mode kv without --kv-events with one line and exit code 2', () => {
    const r = spawnSync(process.execPath, [...NODE_ARGS, 'router', '--router-mode', 'kv', '--worker', 'http://127.0.0.1:9'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/--kv-events/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('cluster starts workers and a router, answers through the router, and exits 0 on SIGINT', async () => {
    const child = spawn(process.execPath, [...NODE_ARGS, 'cluster', '--num-workers', '2', '--port', '0', '--speedup-ratio', '1000', '--router-mode', 'kv'], { cwd: ROOT });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    await waitFor(() => /worker-1 http:\/\/\S+ kv-events tcp:\/\/\S+/.test(out), `cluster to print its URLs (stderr: ${err})`, 20_000);
    const url = /^router (http:\/\/\S+)$/m.exec(out)![1];
    expect(out).toMatch(/^worker-0 http:\/\/127\.0\.0\.1:\d+ kv-events tcp:\/\/127\.0\.0\.1:\d+$/m);
    const r = await chat(url, { model: 'kvlab-mock', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
    expect(r.status).toBe(200);
    expect(r.worker).toMatch(/^worker-[01]$/);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toMatch(/kvlab cluster: stopped/);
  });
});
