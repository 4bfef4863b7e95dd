/**
 * Access: every server (mock workers, their KV-event publishers, the router, the embedded cluster, the
 * CLI) binds 127.0.0.1 unless a host says otherwise — checked from outside, by connecting through
 * another loopback address — and with an API key the mock and the router answer 401 with an OpenAI
 * error body to a missing or wrong key while /health stays open.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCluster } from '../../src/lab/cluster.ts';
import { startMocker } from '../../src/mocker/index.ts';
import { startRouter } from '../../src/router-sim/index.ts';
import { answerProblem } from './helpers/openai-checks.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const MODEL = 'kvlab-mock';
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** Whether a TCP connection to host:port succeeds. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host, port });
    s.on('connect', () => {
      s.destroy();
      res(true);
    });
    s.on('error', () => res(false));
  });
}

const hostPort = (url: string) => {
  const u = new URL(url.replace(/^tcp:/, 'http:'));
  return { host: u.hostname, port: Number(u.port) };
};

/** Listening on 127.0.0.1 only: reachable there, refused on another loopback address. */
async function expectLoopbackOnly(url: string): Promise<void> {
  const { host, port } = hostPort(url);
  expect(host).toBe('127.0.0.1');
  expect(await reachable('127.0.0.1', port)).toBe(true);
  expect(await reachable('127.0.0.2', port)).toBe(false);
}

describe('servers bind 127.0.0.1 by default', () => {
  it('mock workers, their KV-event publishers, the router and the embedded cluster', async () => {
    const m = await startMocker({ numWorkers: 2, port: 0, kvEventsPort: 0 });
    cleanups.push(() => m.close());
    for (const w of m.workers) {
      await expectLoopbackOnly(w.url);
      await expectLoopbackOnly(w.kvEventsEndpoint!);
    }
    const r = await startRouter({ workers: m.workers.map((w) => w.url), port: 0 });
    cleanups.push(() => r.close());
    await expectLoopbackOnly(r.url);

    const c = await startCluster({ numWorkers: 2, router: { port: 0 } });
    cleanups.push(() => c.close());
    await expectLoopbackOnly(c.url);
    for (const w of c.workers) {
      await expectLoopbackOnly(w.url);
      await expectLoopbackOnly(w.kvEventsEndpoint!);
    }
  });

  it('listen where --host says', async () => {
    const m = await startMocker({ host: '127.0.0.2', port: 0 });
    cleanups.push(() => m.close());
    const r = await startRouter({ host: '127.0.0.2', workers: [m.workers[0].url], port: 0 });
    cleanups.push(() => r.close());
    for (const url of [m.workers[0].url, r.url]) {
      const { host, port } = hostPort(url);
      expect(host).toBe('127.0.0.2');
      expect(await reachable('127.0.0.2', port)).toBe(true);
      expect(await reachable('127.0.0.1', port)).toBe(false);
    }
    const res = await fetch(`${r.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
    });
    expect(res.status).toBe(200);
  });

  it('kvlab cluster prints addresses on 127.0.0.1 and listens only there', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'cluster', '--num-workers', '1', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise<void>((res, rej) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (/worker-0 http\S+ kv-events \S+\n/.test(out)) res();
      });
      child.on('close', () => rej(new Error(`kvlab cluster exited early: ${err}`)));
    });
    const urls = [...out.matchAll(/(?:http|tcp):\/\/[^\s]+/g)].map((m) => m[0]);
    expect(urls).toHaveLength(3); // router, worker-0, its KV events
    for (const url of urls) await expectLoopbackOnly(url);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});

describe('--api-key', () => {
  it('the router and the mock answer 401 (OpenAI body) to a missing or wrong key, serve the right one, keep /health open', async () => {
    const c = await startCluster({ numWorkers: 1, mocker: { apiKey: 'sekret', speedupRatio: 1000 }, router: { port: 0 } });
    cleanups.push(() => c.close());
    const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    for (const base of [c.url, c.workers[0].url]) {
      const post = (auth?: string) =>
        fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth === undefined ? {} : { authorization: auth }) }, body });
      for (const auth of [undefined, '', 'Bearer', 'Bearer sekreT', 'Bearer sekret2', 'Bearer sekre', 'Basic c2VrcmV0', 'sekret', `Bearer ${'x'.repeat(5000)}`]) {
        const res = await post(auth);
        const text = await res.text();
        expect(res.status, `${base} ${auth}`).toBe(401);
        expect(answerProblem({ status: res.status, contentType: res.headers.get('content-type') ?? '', body: text })).toBeNull();
        expect(JSON.parse(text).error).toMatchObject({ code: 'unauthorized', type: 'authentication_error' });
      }
      const models = await fetch(`${base}/v1/models`);
      expect(models.status).toBe(401);
      const ok = await post('Bearer sekret');
      expect(ok.status, await ok.clone().text()).toBe(200);
      expect((await ok.json()).choices[0].message.content.length).toBeGreaterThan(0);
      expect((await fetch(`${base}/health`)).status).toBe(200);
    }
  });
});
