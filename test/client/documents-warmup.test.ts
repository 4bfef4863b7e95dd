/**
 * `kvlab bench documents` warms up as llm-d's multi-turn-benchmark.py does before measuring, through
 * the shared `--warmup` option: a fake server sees every request the command sends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { benchCommand, type BenchIo } from '../../src/client/bench-command.ts';
import { WARMUP_QUESTIONS } from '../../src/client/workloads/document-prompts.ts';
import { json, sse, startFakeHttp, type FakeHttp } from './helpers/fake-http.ts';
import { VLLM } from './http/fixtures.ts';

let srv: FakeHttp;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kvlab-docs-warmup-'));
  srv = await startFakeHttp();
  srv.handle = (req, res) => (req.method === 'GET' ? json(res, 200, { object: 'list', data: [{ id: 'm', object: 'model' }] }) : sse(res, [VLLM]));
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

function io(): { io: BenchIo; out: () => string } {
  let out = '';
  const sink = (append: (s: string) => void) => new Writable({ write: (c, _e, cb) => (append(String(c)), cb()) });
  return { io: { stdout: sink((s) => (out += s)), stderr: sink(() => {}), tty: false }, out: () => out };
}

async function runDocuments(warmupRequests: number | undefined): Promise<{ run: Record<string, any>; chats: Record<string, any>[] }> {
  srv.seen.length = 0;
  const c = io();
  const params = { conversations: 2, turns: 2, maxTokens: 4, minDelay: 0, maxDelay: 0 };
  const code = await benchCommand({ workload: 'documents', params, resultsDir: join(dir, 'results'), shared: { urls: [srv.url], json: true, warmupRequests } }, c.io);
  expect(code).toBe(0);
  return { run: JSON.parse(c.out()), chats: srv.seen.filter((s) => s.method === 'POST').map((s) => s.body!) };
}

describe('documents warm-up', () => {
  it("sends llm-d's 20 short questions (50 tokens each) before the conversations, left out of the summary", async () => {
    const { run, chats } = await runDocuments(undefined);
    expect(chats).toHaveLength(20 + 4);
    const warmups = chats.slice(0, 20);
    expect(warmups.map((b) => b.messages)).toEqual(WARMUP_QUESTIONS.map((q) => [{ role: 'user', content: q }]));
    for (const b of warmups) expect(b.max_tokens).toBe(50);
    expect(chats.slice(20).every((b) => b.max_tokens === 4)).toBe(true);
    expect(run.warmup).toMatchObject({ requests: 20, failed: 0 });
    expect(run.summary.requests).toBe(4);
    expect(run.config.warmupRequests).toBe(20);
  });

  it('--warmup N changes the count and --warmup 0 skips it', async () => {
    const three = await runDocuments(3);
    expect(three.chats).toHaveLength(3 + 4);
    expect(three.run.warmup).toMatchObject({ requests: 3 });
    const none = await runDocuments(0);
    expect(none.chats).toHaveLength(4);
    expect(none.run.warmup).toBeNull();
    expect(none.run.summary.requests).toBe(4);
  });
});
