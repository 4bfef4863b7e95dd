/**
 * End to end: the serving overhead (client TTFT − engine TTFT) and the CPU-bound warning flow from
 * real answers on loopback to requests.jsonl, run.json, summary.json, the progress lines and
 * report.html. Outcomes are certain by construction, not by timing luck: the slowed path adds a
 * deliberate 200 ms before the first byte of answers whose engine TTFT is microseconds (speedup 1000;
 * a few ms when a busy machine delays the engine's first step: 195 ms of overhead in one CI run);
 * the engine-bound path's engine TTFT is at least a second (a profile with a 1 s prefill step); the
 * remote-like path sends no engine timing at all.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile, startMocker, type RunningMocker } from '../../src/mocker/index.ts';
import { runExperiment, type ExperimentProgress, type ExperimentResult } from '../../src/lab/run-experiment.ts';

const ADDED_MS = 200;

/** A proxy that holds each answer's body back until ADDED_MS after the request came in. */
function slowProxy(target: string): Server {
  return createServer((req, res) => {
    const arrived = performance.now();
    const up = httpRequest(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      const held: Buffer[] = [];
      let open = false;
      let ended = false;
      // A timer counts from the event loop's cached time, which may be some ms behind the clock on a
      // busy machine, so it can fire early: wait again until ADDED_MS have really passed.
      const release = (): void => {
        const left = arrived + ADDED_MS - performance.now();
        if (left > 0) {
          setTimeout(release, Math.ceil(left));
          return;
        }
        open = true;
        for (const c of held) res.write(c);
        if (ended) res.end();
      };
      release();
      answer.on('data', (c: Buffer) => (open ? res.write(c) : held.push(c)));
      answer.on('end', () => (open ? res.end() : (ended = true)));
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
}

/** An OpenAI-compatible server that streams a two-token answer and sends no nvext.timing. */
function noTimingServer(): Server {
  return createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'bare', object: 'model' }] }));
      return;
    }
    req.resume();
    req.on('end', () => {
      const chunk = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
      const head = { id: 'x', object: 'chat.completion.chunk', created: 0, model: 'bare' };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: 'a' }, finish_reason: null }] }));
      res.write(chunk({ ...head, choices: [{ index: 0, delta: { content: ' b' }, finish_reason: 'length' }] }));
      res.write(chunk({ ...head, choices: [], usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 } }));
      res.end('data: [DONE]\n\n');
    });
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const root = mkdtempSync(join(tmpdir(), 'kvlab-serving-check-'));
const mockers: RunningMocker[] = [];
const servers: Server[] = [];
let result: ExperimentResult;
const lines: string[] = [];

beforeAll(async () => {
  const fast = await startMocker({ port: 0, speedupRatio: 1000 });
  const engineBound = await startMocker({ port: 0, profile: loadProfile({ kind: 'polynomial', prefill: [0, 0, 1000], decode: [0, 0, 1] }) });
  mockers.push(fast, engineBound);
  const proxy = slowProxy(fast.workers[0].url);
  const bare = noTimingServer();
  servers.push(proxy, bare);
  const targets = [
    { label: 'slowed', url: await listen(proxy) },
    { label: 'engine-bound', url: engineBound.workers[0].url },
    { label: 'no-timing', url: await listen(bare) },
  ];
  result = await runExperiment({
    experiment: {
      name: 'serving-check',
      description: 'one turn per user against three targets',
      source: 'the tests',
      cluster: { numWorkers: 1, router: { mode: 'round-robin' } },
      workload: { kind: 'multiturn', numUsers: 2, numTurns: 1, numUserTokens: 32, maxCompletionTokens: 2, meanDelayMs: 0 },
      seed: 1,
    },
    clock: 'real',
    targets,
    outDir: join(root, 'exp'),
    png: false,
    onProgress: (e: ExperimentProgress) => {
      if (e.kind === 'cell') lines.push(e.line);
      if (e.kind === 'note') lines.push(`note: ${e.message}`);
    },
  });
}, 60_000);

afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  for (const m of mockers) await m.close();
  rmSync(root, { recursive: true, force: true });
});

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const cellDir = (label: string) => join(result.outDir, result.cells.find((c) => c.params.target === label)!.runDir);
const records = (label: string) =>
  readFileSync(join(cellDir(label), 'requests.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('the serving check end to end', () => {
  it('records each request’s serving overhead in requests.jsonl: the added delay when slowed, null without engine timing', () => {
    const slowed = records('slowed');
    expect(slowed).toHaveLength(2);
    for (const r of slowed) {
      expect(r.ok).toBe(true);
      // The added delay is in the client's TTFT, and nearly all of it is overhead: what is left is the
      // engine's own TTFT (microseconds, or a few ms when a busy machine delays its first step).
      expect(r.ttftMs).toBeGreaterThanOrEqual(ADDED_MS - 1);
      expect(r.servingOverheadMs).toBeGreaterThan(0.9 * r.ttftMs);
      expect(r.servingOverheadMs).toBeLessThanOrEqual(r.ttftMs);
    }
    for (const r of records('engine-bound')) expect(Number.isFinite(r.servingOverheadMs)).toBe(true);
    for (const r of records('no-timing')) expect(r.servingOverheadMs).toBeNull();
  });

  it('writes the overhead and the verdict into run.json', () => {
    const slowed = readJson(join(cellDir('slowed'), 'run.json'));
    expect(slowed.summary.servingOverheadMs.count).toBe(2);
    expect(slowed.summary.servingOverheadMs.p50).toBeGreaterThan(0.9 * ADDED_MS);
    expect(slowed.summary.servingOverheadShare).toBeGreaterThan(0.9);
    expect(slowed.servingCheck.status).toBe('cpu-bound');
    expect(slowed.servingCheck.message).toMatch(/^this machine adds \d+ ms \(\d+ %\) to TTFT: results are CPU-bound; lower --speedup-ratio or use --clock virtual$/);
    const bound = readJson(join(cellDir('engine-bound'), 'run.json'));
    expect(bound.summary.ttftMs.min).toBeGreaterThanOrEqual(1000);
    expect(bound.servingCheck.status).toBe('ok');
    expect(readJson(join(cellDir('no-timing'), 'run.json')).servingCheck.status).toBe('unavailable');
  });

  it('marks the CPU-bound cell in summary.json, its notes and the progress lines, and only that one', () => {
    const summary = readJson(result.summaryPath);
    expect(summary.cells.map((c: any) => [c.params.target, c.servingCheck.status])).toEqual([
      ['slowed', 'cpu-bound'],
      ['engine-bound', 'ok'],
      ['no-timing', 'unavailable'],
    ]);
    expect(summary.notes.join('\n')).toMatch(/1 of 3 cells are CPU-bound \(marked ⚠\)/);
    const slowedLine = lines.find((l) => l.includes('target=slowed'))!;
    expect(slowedLine).toMatch(/overhead \d+\.\d ms \(\d+\.\d %\), .* ⚠ CPU-bound\n {2}⚠ this machine adds/);
    expect(lines.find((l) => l.includes('target=engine-bound'))).not.toContain('⚠');
    expect(lines.find((l) => l.includes('target=no-timing'))).toContain('overhead unavailable');
  });

  it('puts the warning first in report.html and marks the cell in its table', () => {
    const html = readFileSync(result.reportPath!, 'utf8');
    expect(html).toMatch(/<ul class="warnings"><li>⚠ target=slowed: this machine adds \d+ ms/);
    expect(html).toContain('<td class="nowrap bad">⚠ CPU-bound</td>');
    expect(html).toContain('<th>serving overhead</th>');
    expect(html).toContain('serving_overhead_ms');
  });
});
