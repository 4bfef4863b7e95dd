import { describe, expect, it } from 'vitest';
import { compressWorkloadTime, WorkloadCache } from '../../src/lab/cell-workload.ts';
import { ExperimentFileError } from '../../src/lab/experiment-file.ts';
import { SHIPPED_DIR } from '../../src/lab/experiment-source.ts';
import type { Workload } from '../../src/client/workloads/types.ts';

const base: Workload = {
  name: 'w',
  scripts: [
    {
      id: 'a',
      preamble: [],
      keepHistory: true,
      turns: [
        { messages: [{ role: 'user', content: 'x' }], maxTokens: 4, ignoreEos: true, delayMs: 0, atMs: 100 },
        { messages: [{ role: 'user', content: 'y' }], maxTokens: 4, ignoreEos: true, delayMs: 600 },
      ],
    },
  ],
  schedule: { kind: 'clients', numClients: 1, maxActiveConversations: 1, requestRate: 2, sampling: 'round_robin' },
  params: {},
};

describe('compressWorkloadTime', () => {
  it("divides the workload's think and send times and multiplies its request rate", () => {
    const w = compressWorkloadTime(base, 4);
    expect(w.scripts[0].turns.map((t) => [t.delayMs, t.atMs])).toEqual([
      [0, 25],
      [150, undefined],
    ]);
    expect(w.schedule).toMatchObject({ kind: 'clients', requestRate: 8 });
    expect(w.params.timeCompression).toBe(4);
    // The input is left alone, and ratio 1 is the identity.
    expect(base.scripts[0].turns[1].delayMs).toBe(600);
    expect(compressWorkloadTime(base, 1)).toBe(base);
  });
});

describe('WorkloadCache', () => {
  it('builds a workload once per distinct request and seeds it from the cell unless the workload sets a seed', async () => {
    const cache = new WorkloadCache();
    const req = { workload: { kind: 'multiturn', numUsers: 2, numTurns: 2 }, baseDir: SHIPPED_DIR, seed: 3, speedupRatio: 1 };
    const a = await cache.get(req);
    expect(await cache.get({ ...req })).toBe(a);
    expect(a.params.seed).toBe(3);
    const b = await cache.get({ ...req, seed: 4 });
    expect(b).not.toBe(a);
    expect(b.scripts[0].preamble[0].content).not.toBe(a.scripts[0].preamble[0].content);
    expect((await cache.get({ ...req, workload: { ...req.workload, seed: 9 } })).params.seed).toBe(9);
  });

  it('reads inputs relative to the experiment, and defaults to the shipped data', async () => {
    const cache = new WorkloadCache();
    const trace = await cache.get({ workload: { kind: 'trace', numRequests: 3 }, baseDir: SHIPPED_DIR, seed: 0, speedupRatio: 1 });
    expect(trace.scripts).toHaveLength(3);
    const same = await cache.get({ workload: { kind: 'trace', numRequests: 3, input: '../data/mooncake/synthetic_trace.jsonl' }, baseDir: SHIPPED_DIR, seed: 0, speedupRatio: 1 });
    expect(same.scripts.map((s) => s.turns[0].atMs)).toEqual(trace.scripts.map((s) => s.turns[0].atMs));
    const inline = await cache.get({
      workload: {
        kind: 'conversations',
        input: [{ id: 'c1', messages: [{ role: 'user', content: 'hello' }, { role: 'assistant', content: 'hi there' }] }],
      },
      baseDir: SHIPPED_DIR,
      seed: 0,
      speedupRatio: 1,
    });
    expect(inline.scripts.map((s) => s.id)).toEqual(['c1']);
  });

  it('turns a bad parameter value into an experiment-file error naming workload.<parameter>', async () => {
    const cache = new WorkloadCache();
    const err = await cache.get({ workload: { kind: 'prefix-ratio', prefixRatio: 2 }, baseDir: SHIPPED_DIR, seed: 0, speedupRatio: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(ExperimentFileError);
    expect(err.message).toMatch(/^field 'workload\.prefixRatio': must be a number/);
    await expect(cache.get({ workload: { kind: 'multiturn', input: 'x.json' }, baseDir: SHIPPED_DIR, seed: 0, speedupRatio: 1 })).rejects.toThrow(/workload\.input/);
  });
});
