/**
 * `kvlab bench` end to end, in-process, against the mock engine (src/mocker) on 127.0.0.1: every
 * workload runs, records carry every field, thresholds and pings give their exit codes, injected
 * failures are recorded while the run completes, and an abort still writes the run folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { loadProfile, startMocker, type RunningMocker } from '../../src/mocker/index.ts';
import { benchCommand, type BenchCommandOptions, type BenchIo } from '../../src/client/bench-command.ts';
import { runBench } from '../../src/client/bench.ts';
import { buildMultiturn, EXAMPLE_SPEC_FILE } from '../../src/client/workloads/index.ts';

let mocker: RunningMocker;
let twoWorkers: RunningMocker;
let failing: RunningMocker;
let dir: string;

beforeAll(async () => {
  [mocker, twoWorkers, failing] = await Promise.all([
    startMocker({ port: 0, speedupRatio: 100 }),
    startMocker({ port: 0, speedupRatio: 100, numWorkers: 2 }),
    startMocker({ port: 0, speedupRatio: 100, failureRate: 0.4, failureCodes: [500, 429], seed: 3 }),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'kvlab-bench-'));
});

afterAll(async () => {
  await Promise.all([mocker.close(), twoWorkers.close(), failing.close()]);
  rmSync(dir, { recursive: true, force: true });
});

function capture(): { io: BenchIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        append(String(chunk));
        cb();
      },
    });
  return { io: { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), tty: false }, out: () => out, err: () => err };
}

/** Runs given no --output go here (not into the working directory's results/). */
const resultsDir = (): string => join(dir, 'results');

function opts(over: Partial<BenchCommandOptions> & Pick<BenchCommandOptions, 'workload'>, url = mocker.workers[0].url): BenchCommandOptions {
  return { params: {}, resultsDir: resultsDir(), ...over, shared: { urls: [url], seed: 1, ...(over.shared ?? {}) } };
}

function jsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

describe('bench multiturn against the mock', () => {
  it('records users × turns requests with every field, and writes the run folder', async () => {
    const out = join(dir, 'multiturn');
    const c = capture();
    const code = await benchCommand(
      opts({ workload: 'multiturn', params: { numUsers: 3, numTurns: 2, meanDelayMs: 5, maxCompletionTokens: 6, numUserTokens: 20 }, shared: { urls: [mocker.workers[0].url], outputDir: out, label: 'mt' } }),
      c.io,
    );
    expect(code).toBe(0);
    const recs = jsonl(join(out, 'requests.jsonl'));
    expect(recs).toHaveLength(6);
    for (const r of recs) {
      expect(r).toMatchObject({ ok: true, status: 200, worker: 'worker-0', outputTokens: 6, label: 'mt', error: null, retries: 0 });
      for (const k of ['ttftMs', 'ttfatMs', 'e2eMs', 'tpotMs', 'inputTokens', 'cachedTokens', 'sentAtMs']) expect(typeof r[k], k).toBe('number');
      expect(Array.isArray(r.itlMs)).toBe(true);
      expect(r.e2eMs as number).toBeGreaterThanOrEqual(r.ttftMs as number);
    }
    expect(new Set(recs.map((r) => `${r.conversationId}#${r.turn}`)).size).toBe(6);
    // Later turns re-send the history: the mock serves it from its prefix cache.
    expect(recs.filter((r) => r.turn === 2).every((r) => (r.cachedTokens as number) > 0)).toBe(true);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run).toMatchObject({ schemaVersion: 1, tool: 'kvlab', command: 'bench multiturn', label: 'mt', target: mocker.workers[0].url });
    expect(run.summary.requests).toBe(6);
    expect(run.perTurn.map((t: { turn: number }) => t.turn)).toEqual([1, 2]);
    expect(run.config.model).toBe('kvlab-mock');
    expect(c.out()).toContain('TTFT by turn');
  });

  it('--json prints the run file', async () => {
    const c = capture();
    const code = await benchCommand(opts({ workload: 'multiturn', params: { numUsers: 1, numTurns: 1, maxCompletionTokens: 3 }, shared: { urls: [mocker.workers[0].url], json: true } }), c.io);
    expect(code).toBe(0);
    const run = JSON.parse(c.out());
    expect(run.summary.requests).toBe(1);
    // stdout holds only the JSON; the run's folder (a new one under results/) is named on stderr.
    expect(c.err()).toMatch(new RegExp(`^results: ${resultsDir()}/multiturn-\\d{8}-\\d{6}(-\\d+)?\n$`));
  });

  it('a failed threshold exits 99 and a passing one 0', async () => {
    const base = { workload: 'multiturn' as const, params: { numUsers: 1, numTurns: 2, meanDelayMs: 0, maxCompletionTokens: 3 } };
    const fail = capture();
    expect(await benchCommand(opts({ ...base, shared: { urls: [mocker.workers[0].url], thresholds: ['ttft_ms:p95<0.0001'] } }), fail.io)).toBe(99);
    expect(fail.out()).toMatch(/✗ ttft_ms:p95<0.0001/);
    const pass = capture();
    expect(await benchCommand(opts({ ...base, shared: { urls: [mocker.workers[0].url], thresholds: ['ttft_ms:p95<60000', 'error_rate<0.5'], goodput: 'ttft_ms:60000' } }), pass.io)).toBe(0);
    expect(pass.out()).toMatch(/✓ ttft_ms:p95<60000/);
    expect(pass.out()).toMatch(/goodput/);
  });

  it('--ping answers verbosely and exits 0; a closed port fails', async () => {
    const c = capture();
    expect(await benchCommand(opts({ workload: 'multiturn', ping: true }), c.io)).toBe(0);
    expect(c.err()).toMatch(/turn 1 {2}ok 200/);
    expect(c.err()).toMatch(/< assistant: /);
    const port = await closedPort();
    await expect(benchCommand(opts({ workload: 'multiturn', ping: true }, `http://127.0.0.1:${port}`), capture().io)).rejects.toThrow(/ECONNREFUSED|failed/);
    // With --model the models lookup is skipped: the request itself fails, exit code 1.
    const withModel = opts({ workload: 'multiturn', ping: true }, `http://127.0.0.1:${port}`);
    withModel.shared.model = 'x';
    expect(await benchCommand(withModel, capture().io)).toBe(1);
  });

  it('splits conversations round-robin over several URLs', async () => {
    const c = capture();
    const o = opts({ workload: 'multiturn', params: { numUsers: 4, numTurns: 1, maxCompletionTokens: 2 }, shared: { urls: twoWorkers.workers.map((w) => w.url), json: true } });
    expect(await benchCommand(o, c.io)).toBe(0);
    const run = JSON.parse(c.out());
    expect(run.target).toEqual(twoWorkers.workers.map((w) => w.url));
    const out = join(dir, 'split');
    const res = await runBench({ command: 'bench multiturn', workload: buildMultiturn({ numUsers: 4, numTurns: 1, maxCompletionTokens: 2 }), urls: twoWorkers.workers.map((w) => w.url), outputDir: out });
    const byConv = Object.fromEntries(res.records.map((r) => [r.conversationId, r.worker]));
    expect(byConv).toEqual({ 'user-0': 'worker-0', 'user-1': 'worker-1', 'user-2': 'worker-0', 'user-3': 'worker-1' });
  });
});

describe('failures', () => {
  it('records injected 500s and 429s as errors while the run completes; past the accepted share it exits 1', async () => {
    const params = { numUsers: 10, numTurns: 1, maxCompletionTokens: 2 };
    const c = capture();
    const code = await benchCommand(opts({ workload: 'multiturn', params, shared: { urls: [failing.workers[0].url], json: true } }), c.io);
    const run = JSON.parse(c.out());
    expect(run.summary.requests).toBe(10);
    expect(run.summary.failed).toBeGreaterThan(0);
    expect(run.summary.succeeded).toBeGreaterThan(0);
    expect(Object.keys(run.summary.errors).every((k) => k === 'http_500' || k === 'http_429')).toBe(true);
    // ~40 % failed: over the default 5 %, so exit 1, the breakdown on stderr (stdout holds the JSON).
    expect(run.failures).toMatchObject({ maxShare: 0.05, ok: false });
    expect(code).toBe(1);
    expect(c.err()).toMatch(/Failed requests\n {2}✗ \d+ of 10 requests failed/);
    expect(c.err()).toMatch(/http_(500|429) {2}×\d+ {2}HTTP (500|429): /);
    // A share the user accepts passes.
    const lenient = capture();
    expect(await benchCommand(opts({ workload: 'multiturn', params, shared: { urls: [failing.workers[0].url], json: true, maxFailedShare: 0.9 } }), lenient.io)).toBe(0);
  });

  it('a run where every request failed exits 1 with the failure breakdown first', async () => {
    const c = capture();
    const o = opts({ workload: 'multiturn', params: { numUsers: 2, numTurns: 2, maxCompletionTokens: 2 }, shared: { urls: [mocker.workers[0].url], headers: ['x-kvlab-fail: 503'], maxRetries: 1 } });
    expect(await benchCommand(o, c.io)).toBe(1);
    const lines = c.out().split('\n');
    expect(lines[0]).toBe('Failed requests');
    expect(lines[1]).toBe('  ✗ 2 of 2 requests failed (100.0 %; limit 5.0 %, --max-failed-share)');
    expect(lines[2]).toMatch(/^ {4}http_503 {2}×2 {2}HTTP 503: Injected failure/);
    expect(c.err()).toContain('kvlab bench multiturn: 2 of 2 requests failed');
  });

  it('a header-injected failure is recorded with its status and message; retries are counted', async () => {
    const c = capture();
    const o = opts({ workload: 'multiturn', params: { numUsers: 2, numTurns: 2, maxCompletionTokens: 2 }, shared: { urls: [mocker.workers[0].url], json: true, headers: ['x-kvlab-fail: 503'], maxRetries: 1, maxFailedShare: 1 } });
    expect(await benchCommand(o, c.io)).toBe(0);
    const run = JSON.parse(c.out());
    // A failed first turn ends a history-keeping conversation: 2 requests, both failed after 1 retry.
    expect(run.summary).toMatchObject({ requests: 2, failed: 2, errors: { http_503: 2 } });
    expect(run.retries).toBe(2);
    expect(run.failures).toMatchObject({ failed: 2, share: 1, maxShare: 1, ok: true });
  });
});

describe('abort', () => {
  it('an aborted run stops sending and still writes requests.jsonl and run.json', async () => {
    const out = join(dir, 'aborted');
    const ac = new AbortController();
    let seen = 0;
    const res = await runBench({
      command: 'bench multiturn',
      workload: buildMultiturn({ numUsers: 2, numTurns: 100, meanDelayMs: 1, maxCompletionTokens: 2 }),
      urls: [mocker.workers[0].url],
      outputDir: out,
      signal: ac.signal,
      onRecord: () => {
        if (++seen === 5) ac.abort();
      },
    });
    expect(res.interrupted).toBe(true);
    expect(res.records.length).toBeLessThan(200);
    const recs = jsonl(join(out, 'requests.jsonl'));
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.interrupted).toBe(true);
    expect(run.summary.requests).toBe(recs.length);
    expect(recs.length).toBe(res.records.length);
  });
});

describe('documents: first-vs-later TTFT speedup', () => {
  // Prefill must dominate every other cost (HTTP, tokenization, a busy machine): 10 ms of simulated
  // prefill per token (÷ speedup 100) makes a ~800-token document cost ~80 ms on turn 1, while a cached
  // later turn computes only its last partial 16-token block and the new message (~5 ms); decode is
  // nearly free. Without caching every later turn re-prefills a longer prompt than turn 1's.
  const profile = loadProfile({ kind: 'polynomial', prefill: [0, 10, 0], decode: [0, 0, 1] });
  const params = { conversations: 6, turns: 3, maxTokens: 4, parallel: 1, minDelay: 0, maxDelay: 0, ignoreEos: true };

  async function speedup(enablePrefixCaching: boolean): Promise<number> {
    const m = await startMocker({ port: 0, speedupRatio: 100, profile, enablePrefixCaching, blockSize: 16 });
    try {
      // Warm the server (JIT, tokenizer) with unrelated content first.
      await benchCommand(opts({ workload: 'multiturn', params: { numUsers: 1, numTurns: 1, maxCompletionTokens: 2 } }, m.workers[0].url), capture().io);
      const c = capture();
      expect(await benchCommand(opts({ workload: 'documents', params, shared: { urls: [m.workers[0].url], json: true } }, m.workers[0].url), c.io)).toBe(0);
      const run = JSON.parse(c.out());
      expect(run.summary.failed).toBe(0);
      expect(run.byDocType.map((g: { value: string }) => g.value).sort()).toEqual(['CODE', 'TEXT']);
      return run.firstVsLaterSpeedup;
    } finally {
      await m.close();
    }
  }

  it('is above 2 with prefix caching on and below 1.3 with it off', async () => {
    expect(await speedup(true)).toBeGreaterThan(2);
    expect(await speedup(false)).toBeLessThan(1.3);
  });
});

describe('conversations', () => {
  it('runs a generate_conversations spec with clients, writes the conversations and an Excel file', async () => {
    const outFile = join(dir, 'convs.json');
    const xlsx = join(dir, 'convs.xlsx');
    const c = capture();
    const code = await benchCommand(
      {
        workload: 'conversations',
        resultsDir: resultsDir(),
        inputFile: EXAMPLE_SPEC_FILE,
        outputFile: outFile,
        excelOutput: xlsx,
        params: { numClients: 2, maxActiveConversations: 4, maxTurns: 4, limitMinTokens: 3, limitMaxTokens: 3, ignoreEos: true },
        shared: { urls: [mocker.workers[0].url], json: true, seed: 1 },
      },
      c.io,
    );
    expect(code).toBe(0);
    const run = JSON.parse(c.out());
    // 12 conversations × ceil(4 / 2) user turns.
    expect(run.summary).toMatchObject({ requests: 24, failed: 0 });
    const convs = JSON.parse(readFileSync(outFile, 'utf8'));
    expect(convs).toHaveLength(12);
    const first = convs[0].messages as { role: string; content: string }[];
    expect(first.filter((m) => m.role === 'assistant')).toHaveLength(2);
    expect(first.filter((m) => m.role === 'assistant').every((m) => m.content.length > 0)).toBe(true);
    const { default: ExcelJS } = await import('exceljs');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx);
    const params = new Map<string, unknown>();
    wb.getWorksheet('Summary')!.eachRow((row) => params.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(params.get('requests')).toBe(24);
    expect(params.get('failed')).toBe(0);
    const raw = wb.getWorksheet('Raw data')!;
    const header = (raw.getRow(1).values as unknown[]).slice(1);
    expect(raw.rowCount).toBe(1 + 24);
    const conv = raw.getColumn(header.indexOf('conversationId') + 1).values.slice(2);
    expect(new Set(conv).size).toBe(12);
    expect(raw.getColumn(header.indexOf('attempts') + 1).values.slice(2)).toEqual(Array(24).fill(1));
  });

  it('runs a ShareGPT file; --verify-output fails on answers that differ from the file', async () => {
    const file = join(dir, 'sharegpt.json');
    writeFileSync(
      file,
      JSON.stringify([
        { id: 'a', messages: [{ role: 'user', content: 'Hello there' }, { role: 'assistant', content: 'General Kenobi' }, { role: 'user', content: 'And?' }] },
        { id: 'b', conversations: [{ from: 'human', value: 'What is a KV cache?' }, { from: 'gpt', value: 'A cache of keys and values.' }] },
      ]),
    );
    const c = capture();
    const o: BenchCommandOptions = { workload: 'conversations', resultsDir: resultsDir(), inputFile: file, params: { numClients: 1 }, shared: { urls: [mocker.workers[0].url], json: true } };
    expect(await benchCommand(o, c.io)).toBe(0);
    expect(JSON.parse(c.out()).summary).toMatchObject({ requests: 3, failed: 0 });
    const v = capture();
    expect(await benchCommand({ ...o, verifyOutput: true }, v.io)).toBe(1);
    expect(v.err()).toMatch(/verify-output: a turn 1: got .* expected "General Kenobi"/);
  });
});

describe('prefix-ratio and trace', () => {
  it('prefix-ratio writes one run folder per ratio', async () => {
    const out = join(dir, 'pr');
    const c = capture();
    const code = await benchCommand(
      { workload: 'prefix-ratio', prefixRatios: [0.2, 0.8], params: { isl: 300, osl: 2, requests: 6, concurrency: 2, numPrefixPrompts: 2 }, shared: { urls: [mocker.workers[0].url], outputDir: out, json: true } },
      c.io,
    );
    expect(code).toBe(0);
    const runs = JSON.parse(c.out());
    expect(runs).toHaveLength(2);
    for (const r of [0.2, 0.8]) {
      const run = JSON.parse(readFileSync(join(out, `prefix-ratio-${r}`, 'run.json'), 'utf8'));
      expect(run.config.params.prefixRatio).toBe(r);
      expect(run.summary.requests).toBe(6);
    }
  });

  it('trace replays rows open loop and records send lateness', async () => {
    const file = join(dir, 'trace.jsonl');
    mkdirSync(dir, { recursive: true });
    const rows = [0, 20, 40, 60].map((t, i) => JSON.stringify({ timestamp: t, input_length: 100, output_length: 2, hash_ids: [i] }));
    writeFileSync(file, rows.join('\n') + '\n');
    const c = capture();
    const code = await benchCommand({ workload: 'trace', resultsDir: resultsDir(), inputDataset: file, params: { blockSize: 64 }, shared: { urls: [mocker.workers[0].url], json: true } }, c.io);
    expect(code).toBe(0);
    const run = JSON.parse(c.out());
    expect(run.summary.requests).toBe(4);
    expect(run.sendLateMs.count).toBe(4);
    expect(run.config.schedule).toEqual({ kind: 'open' });
  });
});

describe('run folders are never overwritten silently', () => {
  const params = { numUsers: 1, numTurns: 1, maxCompletionTokens: 2 };

  it('a non-empty --output is refused (a usage error naming the flag) and left as it was', async () => {
    const out = join(dir, 'taken');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'run.json'), '{"old":true}');
    const err = await benchCommand(opts({ workload: 'multiturn', params, shared: { urls: [mocker.workers[0].url], outputDir: out } }), capture().io).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_flag' });
    expect(String((err as Error).message)).toMatch(/--output: .*taken already holds a run \(run\.json\): give --overwrite/);
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe('{"old":true}');
  });

  it("--overwrite replaces the previous run (its files and sub-runs) and keeps the user's own files", async () => {
    const out = join(dir, 'replaced');
    mkdirSync(join(out, 'prefix-ratio-0.3'), { recursive: true });
    writeFileSync(join(out, 'prefix-ratio-0.3', 'run.json'), '{}');
    writeFileSync(join(out, 'requests.jsonl'), '{"old":true}\n');
    writeFileSync(join(out, 'ttft-cdf.svg'), '<svg/>');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const code = await benchCommand(opts({ workload: 'multiturn', params, shared: { urls: [mocker.workers[0].url], outputDir: out, overwrite: true } }), capture().io);
    expect(code).toBe(0);
    expect(existsSync(join(out, 'prefix-ratio-0.3'))).toBe(false);
    expect(existsSync(join(out, 'ttft-cdf.svg'))).toBe(false);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect(jsonl(join(out, 'requests.jsonl'))).toHaveLength(1);
    expect(jsonl(join(out, 'requests.jsonl'))[0].old).toBeUndefined();
  });

  it('with no --output each run gets a new timestamped folder under results/, named in the output', async () => {
    const root = join(dir, 'fresh-results');
    const names: string[] = [];
    for (let i = 0; i < 2; i++) {
      const c = capture();
      expect(await benchCommand({ ...opts({ workload: 'multiturn', params }), resultsDir: root }, c.io)).toBe(0);
      const m = /\nresults: (\S+)\n/.exec(c.out());
      expect(m, c.out()).not.toBeNull();
      names.push(m![1]);
    }
    // Two runs within the same second get distinct folders.
    expect(names[0]).not.toBe(names[1]);
    for (const n of names) {
      expect(n.startsWith(join(root, 'multiturn-'))).toBe(true);
      expect(jsonl(join(n, 'requests.jsonl'))).toHaveLength(1);
      expect(existsSync(join(n, 'run.json'))).toBe(true);
    }
  });
});

describe('A/B runs do not contaminate each other', () => {
  // Same workload and seed twice: the second run's prompts are all cached unless the cache is reset.
  const params = { numUsers: 2, numTurns: 1, numUserTokens: 200, maxCompletionTokens: 2 };

  async function cachedTokensOfRun(m: RunningMocker, extra: Record<string, unknown>): Promise<{ run: Record<string, any>; err: string }> {
    const c = capture();
    expect(await benchCommand(opts({ workload: 'multiturn', params, shared: { urls: [m.workers[0].url], json: true, ...extra } }, m.workers[0].url), c.io)).toBe(0);
    return { run: JSON.parse(c.out()), err: c.err() };
  }

  it('--reset-cache resets the prefix cache before measuring: the repeated run starts cold', async () => {
    const m = await startMocker({ port: 0, speedupRatio: 100, blockSize: 16 });
    try {
      await cachedTokensOfRun(m, {});
      expect((await cachedTokensOfRun(m, {})).run.summary.cachedTokens).toBeGreaterThan(0);
      const reset = await cachedTokensOfRun(m, { resetCache: true });
      expect(reset.run.summary.cachedTokens).toBe(0);
      expect(reset.run.config.resetCache).toBe(true);
      expect(reset.err).toContain(`kvlab bench multiturn: prefix cache reset on ${m.workers[0].url}`);
    } finally {
      await m.close();
    }
  });

  it('--warmup N sends N unmeasured requests first, sharing no cached block with the measured ones', async () => {
    const m = await startMocker({ port: 0, speedupRatio: 100, blockSize: 16 });
    try {
      const { run, err } = await cachedTokensOfRun(m, { warmupRequests: 3 });
      expect(err).toContain('warming up: 3 requests, not measured');
      expect(run.warmup).toMatchObject({ requests: 3, failed: 0 });
      expect(run.summary.requests).toBe(2);
      expect(run.config.warmupRequests).toBe(3);
      // The warm-ups were the same first turns, tagged: nothing of theirs is a measured prompt's prefix.
      expect(run.summary.cachedTokens).toBe(0);
    } finally {
      await m.close();
    }
  });
});

describe("requests over the server's max-model-len", () => {
  it('bench trace warns before sending, from the max_model_len of /v1/models, and the run says so', async () => {
    const m = await startMocker({ port: 0, speedupRatio: 100, maxModelLen: 150 });
    try {
      const file = join(dir, 'long-trace.jsonl');
      const rows = [100, 200, 100, 400].map((len, i) => JSON.stringify({ timestamp: i * 5, input_length: len, output_length: 2, hash_ids: [i, 100 + i] }));
      writeFileSync(file, rows.join('\n') + '\n');
      const c = capture();
      const code = await benchCommand({ workload: 'trace', resultsDir: resultsDir(), inputDataset: file, params: { blockSize: 64 }, shared: { urls: [m.workers[0].url], json: true, maxFailedShare: 1 } }, c.io);
      expect(code).toBe(0);
      const run = JSON.parse(c.out());
      const warning = "2 of 4 requests (50.0 %) need more than the server's max_model_len of 150 tokens (prompt + max_tokens, up to 402)";
      expect(c.err()).toContain(`kvlab bench trace: warning: ${warning}`);
      expect(run.warnings[0]).toContain(warning);
      expect(run.config.serverMaxModelLen).toBe(150);
      // The warning was right: exactly those two were refused.
      expect(run.summary).toMatchObject({ requests: 4, failed: 2, errors: { http_400: 2 } });
    } finally {
      await m.close();
    }
  });

  it('the warning comes before the first request is sent', async () => {
    const m = await startMocker({ port: 0, speedupRatio: 100, maxModelLen: 150 });
    try {
      const events: string[] = [];
      const rows = [{ timestamp: 0, input_length: 400, output_length: 2, hash_ids: [1] }];
      const { buildTrace } = await import('../../src/client/workloads/index.ts');
      await runBench({
        command: 'bench trace',
        workload: buildTrace({ blockSize: 64 }, { rows }),
        urls: [m.workers[0].url],
        onNote: (n) => events.push(n.startsWith('warning:') ? 'warning' : n),
        onRecord: () => events.push('record'),
      });
      expect(events).toEqual(['warning', 'record']);
    } finally {
      await m.close();
    }
  });
});
