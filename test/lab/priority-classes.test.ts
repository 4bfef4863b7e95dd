import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/lab/run-experiment.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-priority-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// One worker that runs 4 sequences at a time under 16 clients: requests queue, and the order of the
// queue is what the policy decides.
const experiment = (priorityShare: unknown) => ({
  name: 'priority-classes',
  cluster: { numWorkers: 1, maxNumSeqs: 4, speedupRatio: 10, router: { mode: 'round-robin' } },
  workload: { kind: 'prefix-ratio', prefixRatio: 0, isl: 500, osl: 20, requests: 120, concurrency: 16, priorityShare },
  matrix: { schedulingPolicy: ['fcfs', 'priority'] },
  seed: 3,
});

describe('priority classes on the virtual clock', () => {
  const run = runExperiment({ experiment: experiment(0.25), clock: 'virtual', outDir: join(root, 'a'), report: false, groundTruth: false });
  const byPolicy = async (policy: string) => (await run).cells.find((c) => c.params.schedulingPolicy === policy)!.summary;

  it('reports TTFT per class: a quarter of the requests in the priority class', async () => {
    const s = await byPolicy('fcfs');
    expect(Object.keys(s.ttftMsByClass!)).toEqual(['priority', 'standard']);
    expect(s.ttftMsByClass!.priority.count).toBe(30);
    expect(s.ttftMsByClass!.standard.count).toBe(90);
  });

  it('under the priority policy the priority class waits far less than the others; under fcfs both wait alike', async () => {
    const prio = (await byPolicy('priority')).ttftMsByClass!;
    expect(prio.priority.mean!).toBeLessThan(prio.standard.mean! * 0.5);
    const fcfs = (await byPolicy('fcfs')).ttftMsByClass!;
    expect(fcfs.priority.mean! / fcfs.standard.mean!).toBeGreaterThan(0.75);
    expect(fcfs.priority.mean! / fcfs.standard.mean!).toBeLessThan(1.33);
  });

  it('refuses a priority share outside [0, 1], naming the field', async () => {
    await expect(runExperiment({ experiment: experiment(1.5), clock: 'virtual', outDir: join(root, 'b'), report: false, groundTruth: false })).rejects.toThrow(
      /workload\.priorityShare.*must be a number in \[0, 1\], got 1\.5/,
    );
  });
});
