import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/lab/run-experiment.ts';
import { externalRouterSettings, renderExternalRouterSettings, startWorkersOnly, type RunningWorkers } from '../../src/lab/workers-only.ts';
import { waitFor } from '../router-sim/helpers.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'kvlab-byo-'));
const closers: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
  rmSync(root, { recursive: true, force: true });
});

/**
 * A third-party-style router, written here without any kvlab code: session affinity on a hash of the
 * conversation's first user message, the body forwarded as is, the response streamed back.
 */
async function affinityProxy(workers: readonly string[]): Promise<{ url: string; picks: number[] }> {
  const picks = workers.map(() => 0);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      let key = req.url ?? '';
      try {
        const msgs = (JSON.parse(body.toString('utf8')) as { messages?: Array<{ role: string; content: unknown }> }).messages ?? [];
        key = JSON.stringify(msgs.find((m) => m.role === 'user')?.content ?? key);
      } catch {
        /* not JSON: route on the path */
      }
      const w = createHash('sha256').update(key).digest().readUInt32BE(0) % workers.length;
      picks[w]++;
      try {
        const up = await fetch(workers[w] + (req.url ?? '/'), { method: req.method, headers: { 'content-type': req.headers['content-type'] ?? 'application/json' }, body: req.method === 'GET' ? undefined : body });
        res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
        if (up.body) for await (const chunk of up.body) res.write(chunk);
        res.end();
      } catch (err) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(err), type: 'proxy_error' } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${addr.port}`, picks };
}

describe('bring your own router', () => {
  it('an experiment runs through a third-party proxy in front of --no-router workers', async () => {
    const running: RunningWorkers = await startWorkersOnly({ numWorkers: 2, speedupRatio: 20, host: '127.0.0.1', seed: 3 });
    closers.push(() => running.close());
    const proxy = await affinityProxy(running.workers.map((w) => w.url));
    const experiment = {
      name: 'byo',
      cluster: {},
      workload: { kind: 'multiturn', numUsers: 4, numTurns: 3, numUserTokens: 200, maxCompletionTokens: 8, meanDelayMs: 5, systemPromptTokens: 64 },
      seed: 2,
    };
    const result = await runExperiment({ experiment, clock: 'real', targets: [{ label: 'mine', url: proxy.url }], outDir: join(root, 'exp'), report: false });
    const [cell] = result.cells;
    expect(cell.params.target).toBe('mine');
    expect(cell.summary.succeeded).toBe(12);
    expect(cell.summary.failed).toBe(0);
    expect(proxy.picks.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(12);
    // Affinity keeps each conversation on one worker: later turns hit their history.
    expect(cell.summary.cacheHitRatio!).toBeGreaterThan(0.3);
    expect(running.mocker.workers.reduce((n, w) => n + w.engine.stats().promptTokens, 0)).toBeGreaterThan(0);
    // Ground truth against a router kvlab does not know: the best case only.
    expect(cell.groundTruth?.bestCaseHitRatio).toBeGreaterThanOrEqual(cell.summary.cacheHitRatio! - 0.05);
    expect(cell.groundTruth?.oracle).toBeNull();
  }, 60_000);

  it('the settings an external router needs name each worker and its vLLM-format KV-event stream', () => {
    const s = externalRouterSettings([{ name: 'worker-0', url: 'http://127.0.0.1:5001', kvEventsEndpoint: 'tcp://127.0.0.1:6001' }], 'kvlab-mock', 64);
    expect(s.workers[0].kvEventsConfig).toEqual({ enable_kv_cache_events: true, publisher: 'zmq', endpoint: 'tcp://127.0.0.1:6001', topic: '' });
    const text = renderExternalRouterSettings(s).join('\n');
    expect(text).toMatch(/^worker-0 http:\/\/127\.0\.0\.1:5001 kv-events tcp:\/\/127\.0\.0\.1:6001$/m);
    expect(text).toContain('"block_size": 64');
  });

  it('kvlab cluster --no-router starts the workers, prints their URLs and the snippet, and exits 0 on SIGINT', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'cluster', '--no-router', '--num-workers', '2', '--speedup-ratio', '1000'], { cwd: ROOT });
    closers.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    await waitFor(() => /^\}$/m.test(out), `the snippet (stderr: ${err})`, 45_000);
    expect(out).toMatch(/^kvlab cluster: 2 worker\(s\), no router/m);
    expect(out).not.toMatch(/^router /m);
    const json = JSON.parse(out.slice(out.indexOf('{')));
    expect(json.workers).toHaveLength(2);
    expect(json.workers[1].kv_events_config.endpoint).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const r = await fetch(`${json.workers[0].url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: json.model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }) });
    expect(r.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 60_000);
});
