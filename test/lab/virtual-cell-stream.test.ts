/**
 * A virtual cell streams its records to the run folder as they complete: the bytes of requests.jsonl
 * and the summary of run.json are pinned to what the cell wrote when it held every record until the
 * end (digests recorded before the change, same seeds), and the run keeps no record in the cluster.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMultiturn, buildTrace, DEFAULT_TRACE_FILE, parseTraceJsonl } from '../../src/client/workloads/index.ts';
import type { Workload } from '../../src/client/workloads/types.ts';
import { resolveCluster } from '../../src/lab/cluster-settings.ts';
import { runVirtualCell } from '../../src/lab/virtual-cell.ts';
import { DEFAULT_MAX_EVENTS, runVirtual } from '../../src/lab/virtual/index.ts';
import { defaultMaxEvents } from '../../src/lab/virtual/types.ts';
import type { RequestRecord } from '../../src/core/records.ts';
import { virtualClusterConfig } from '../../src/lab/cluster-settings.ts';
import { VirtualConversation } from '../../src/lab/virtual/conversation.ts';
import { KeptRecords } from '../../src/lab/virtual/kept-records.ts';
import { summarize } from '../../src/core/summary.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-cell-stream-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const rows = parseTraceJsonl(readFileSync(DEFAULT_TRACE_FILE, 'utf8').split('\n').slice(0, 120).join('\n'));
const SCENARIOS: Record<string, { workload: Workload; cluster: Parameters<typeof resolveCluster>[0] }> = {
  chats: {
    workload: buildMultiturn({ numUsers: 8, numTurns: 4, numUserTokens: 300, maxCompletionTokens: 40, meanDelayMs: 200, systemPromptTokens: 500 }),
    cluster: { numWorkers: 3, router: { mode: 'kv' } },
  },
  trace: { workload: buildTrace({}, { rows }), cluster: { numWorkers: 4, maxModelLen: 262_144, router: { mode: 'round-robin' } } },
};

const sha = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);

function runCell(name: string): { records: string; summary: string } {
  const s = SCENARIOS[name];
  const dir = join(root, name);
  runVirtualCell(s.workload, resolveCluster(s.cluster, root), 0, dir, { command: 'experiment', label: name, config: {} });
  const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
  return { records: sha(readFileSync(join(dir, 'requests.jsonl'), 'utf8')), summary: sha(JSON.stringify([run.summary, run.perTurn, run.firstVsLaterSpeedup, run.byDocType, run.failures])) };
}

describe('a virtual cell streams its records to the run folder', () => {
  it('writes byte-identical records and the same summary as when it held them all (pinned digests)', () => {
    expect({ chats: runCell('chats'), trace: runCell('trace') }).toEqual(PINNED);
  });

  it('hands every record to the sink as it completes and keeps none in the run', () => {
    const s = SCENARIOS.chats;
    const cluster = virtualClusterConfig(resolveCluster(s.cluster, root));
    const held = runVirtual({ workload: s.workload, cluster, seed: 0 });
    const sunk: RequestRecord[] = [];
    const streamed = runVirtual({ workload: s.workload, cluster, seed: 0, onRecord: (r) => sunk.push(r) });
    expect(held.records.length).toBe(32);
    expect(streamed.records).toEqual([]);
    expect(sunk).toEqual(held.records);
    expect(streamed.stats).toEqual(held.stats);
  });

  it('summarises the kept records (no gaps, gaps counted) exactly as the full ones', () => {
    const s = SCENARIOS.trace;
    const cluster = virtualClusterConfig(resolveCluster(s.cluster, root));
    const held = runVirtual({ workload: s.workload, cluster, seed: 0 });
    const kept = new KeptRecords();
    runVirtual({ workload: s.workload, cluster, seed: 0, onRecord: (r) => kept.add(r) });
    expect([...kept.records].some((r) => 'itlMs' in r)).toBe(false);
    expect(summarize(kept.records, 7, { itlMs: kept.itlDist() })).toEqual(summarize(held.records, 7));
  });

  it('keeps each record without its ITL gaps (they are on disk), and the ITL distribution of all of them', () => {
    const s = SCENARIOS.chats;
    const dir = join(root, 'lean');
    const cell = runVirtualCell(s.workload, resolveCluster(s.cluster, root), 0, dir, { command: 'experiment', label: 'lean', config: {} });
    const onDisk = readFileSync(join(dir, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RequestRecord);
    expect([...cell.records].every((r) => !('itlMs' in r))).toBe(true);
    expect(onDisk.every((r) => r.itlMs && r.itlMs.length > 0)).toBe(true);
    expect(cell.run.summary.itlMs.count).toBe(onDisk.reduce((n, r) => n + r.itlMs!.length, 0));
  });
});

/** Recorded at 23fb465, when the cell held every record until the run's end. */
const PINNED = {
  chats: { records: '0a1c940b7491cfa7', summary: 'c06a3f5a339c1130' },
  trace: { records: 'bcdfa1cda1847f10', summary: 'f5718160a69e7071' },
};

describe('a long virtual run holds only the histories of conversations still going', () => {
  it('lets an ended conversation\'s answers go, and keeps a going one\'s for its next turn', () => {
    const script = SCENARIOS.chats.workload.scripts[0];
    const c = new VirtualConversation(0, script);
    c.complete(0, [1, 2, 3]);
    c.complete(1, [4, 5]);
    expect(c.ended).toBe(false);
    expect(c.heldAnswers()).toBe(2);
    expect(c.messagesFor(2).filter((m) => m.role === 'assistant').map((m) => m.contentTokens)).toEqual([[1, 2, 3], [4, 5]]);
    c.complete(2, [6]);
    c.complete(3, [7]);
    expect(c.ended).toBe(true);
    expect(c.heldAnswers()).toBe(0);
  });
});

describe('the event bound of a virtual run', () => {
  it('grows with the workload beyond the fixed default (500 events a request)', () => {
    const small = SCENARIOS.chats.workload;
    expect(defaultMaxEvents(small)).toBe(DEFAULT_MAX_EVENTS);
    const turns = { ...small.scripts[0], turns: Array.from({ length: 200_000 }, () => small.scripts[0].turns[0]) };
    expect(defaultMaxEvents({ ...small, scripts: [turns] })).toBe(100_000_000);
  });
});
