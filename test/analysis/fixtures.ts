/**
 * Test fixtures for src/analysis: request records built by hand or generated from a seed, and run /
 * experiment folders written to a temporary directory in the results-contract layout.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../src/core/rng.ts';
import { SCHEMA_VERSION, type RequestRecord, type RunFile } from '../../src/core/records.ts';
import { perTurn, summarize } from '../../src/core/summary.ts';

export function rec(over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    conversationId: 'c0',
    turn: 1,
    sentAtMs: 0,
    ttftMs: 100,
    e2eMs: 1000,
    tpotMs: 10,
    inputTokens: 100,
    outputTokens: 91,
    cachedTokens: 0,
    worker: null,
    ok: true,
    error: null,
    ...over,
  };
}

export interface GenOptions {
  seed?: number | string;
  users?: number;
  turns?: number;
  workers?: number;
  /** Multiplies every TTFT (to make a slower variant). */
  ttftScale?: number;
  label?: string | null;
  docTypes?: boolean;
}

/** A multi-turn run: later turns are faster and hit the cache, as with a KV-aware router. */
export function genRecords(o: GenOptions = {}): RequestRecord[] {
  const rng = createRng(o.seed ?? 1);
  const users = o.users ?? 6;
  const turns = o.turns ?? 4;
  const workers = o.workers ?? 2;
  const out: RequestRecord[] = [];
  for (let u = 0; u < users; u++) {
    let t = rng.uniform(0, 500);
    for (let turn = 1; turn <= turns; turn++) {
      const input = 200 * turn + rng.int(0, 50);
      const cached = turn === 1 ? 0 : 200 * (turn - 1);
      const ttft = (turn === 1 ? rng.uniform(150, 250) : rng.uniform(20, 60)) * (o.ttftScale ?? 1);
      const outTokens = rng.int(20, 60);
      const tpot = rng.uniform(8, 14);
      const e2e = ttft + tpot * (outTokens - 1);
      const failed = rng.next() < 0.05;
      out.push({
        conversationId: `u${u}`,
        turn,
        sentAtMs: t,
        ttftMs: failed ? null : ttft,
        e2eMs: failed ? null : e2e,
        tpotMs: failed ? null : tpot,
        itlMs: failed ? undefined : [tpot * 0.9, tpot * 1.1],
        inputTokens: failed ? null : input,
        outputTokens: failed ? null : outTokens,
        cachedTokens: failed ? null : cached,
        worker: workers > 0 ? `w${u % workers}` : null,
        ok: !failed,
        error: failed ? 'HTTP 503: overloaded' : null,
        status: failed ? 503 : 200,
        label: o.label ?? null,
        tags: o.docTypes ? { docType: u % 2 === 0 ? 'CODE' : 'TEXT' } : undefined,
      });
      t += e2e + rng.uniform(100, 400);
    }
  }
  return out.sort((a, b) => a.sentAtMs - b.sentAtMs);
}

export function runFileFor(records: RequestRecord[], over: Partial<RunFile> = {}): RunFile {
  const durationS = over.durationS ?? 10;
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: 'kvlab',
    command: 'bench multiturn',
    label: null,
    config: { workload: { kind: 'multiturn' } },
    target: 'http://127.0.0.1:8000',
    startedAt: '2025-01-01T00:00:00.000Z',
    durationS,
    summary: summarize(records, durationS),
    perTurn: perTurn(records),
    ...over,
  };
}

export async function writeRunDir(dir: string, records: RequestRecord[], run: RunFile | null): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'requests.jsonl'), records.map((r) => JSON.stringify(r) + '\n').join(''));
  if (run) await writeFile(join(dir, 'run.json'), JSON.stringify(run, null, 2));
  return dir;
}

export async function tempDir(prefix = 'kvlab-analysis-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** An experiment folder: router modes × prefix ratios, one run folder per cell. */
export async function writeExperimentDir(dir: string, opts: { missingCell?: boolean } = {}): Promise<string> {
  const cells = [];
  let i = 0;
  for (const mode of ['round-robin', 'kv']) {
    for (const ratio of [0.1, 0.5, 0.9]) {
      const records = genRecords({ seed: `${mode}-${ratio}`, users: 3, turns: 3, ttftScale: mode === 'kv' ? 1 - ratio / 2 : 1 });
      const runDir = `cells/${String(i).padStart(2, '0')}-${mode}-${ratio}`;
      const run = runFileFor(records, { label: `${mode} ${ratio}` });
      if (!(opts.missingCell && i === 5)) await writeRunDir(join(dir, runDir), records, run);
      cells.push({ params: { 'cluster.router.mode': mode, 'workload.prefixRatio': ratio }, runDir, summary: run.summary });
      i++;
    }
  }
  await writeFile(join(dir, 'summary.json'), JSON.stringify({ experiment: 'kv-vs-rr', clock: 'virtual', cells }, null, 2));
  return dir;
}

/** A sweep folder as `kvlab bench prefix-ratio --prefix-ratios … --output DIR` writes it: one run per ratio. */
export async function writeSweepDir(dir: string, opts: { ratios?: number[]; ttftScale?: number } = {}): Promise<string> {
  for (const ratio of opts.ratios ?? [0.1, 0.5, 0.9]) {
    const records = genRecords({ seed: `${dir}-${ratio}`, users: 4, turns: 1, ttftScale: (opts.ttftScale ?? 1) * (1 - ratio / 2) });
    const params = { prefixRatio: ratio, isl: 1000, osl: 20, requests: 4, prefixTokens: Math.round(1000 * ratio) };
    const run = runFileFor(records, { command: 'bench prefix-ratio', label: `prefix-ratio=${ratio}`, config: { workload: 'prefix-ratio', params } });
    await writeRunDir(join(dir, `prefix-ratio-${ratio}`), records, run);
  }
  return dir;
}
