/**
 * The short soak of the test suite: `soak/run.ts` (the `npm run soak` script) for 30 s of wall time at
 * speedup 2 (60 s of simulated load; longer when a busy machine makes the 3,000-request warm-up late),
 * in its own process so its heap is its own. At the end every
 * engine is idle with no active KV block, the router tracks nothing, aborted streams were counted, and
 * the heap after GC grew under 10 % from its warm-up baseline. The verdict function is checked on
 * made-up results too, so a leak would be reported.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { problemsOf, type SoakResult } from '../../soak/soak.ts';

const ROOT = resolve(import.meta.dirname, '../..');

function runSoakScript(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'soak/run.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

describe('soak', () => {
  it('30 s of steady load with 10 % of clients aborting mid-stream leaves no request, block or heap growth behind', async () => {
    const { code, stdout, stderr } = await runSoakScript(['--duration', '30', '--speedup-ratio', '2', '--warmup', '10', '--warmup-requests', '3000', '--sample-every', '5', '--json']);
    const result = JSON.parse(stdout) as SoakResult;
    expect(result.problems, stderr).toEqual([]);
    expect(code).toBe(0);
    for (const e of result.engines) expect([e.running, e.waiting, e.activeBlocks]).toEqual([0, 0, 0]);
    expect(result.routerInFlight).toBe(0);
    expect(result.requests.ok).toBeGreaterThan(100);
    expect(result.requests.aborted).toBeGreaterThan(10);
    expect(result.requests.failed).toBe(0);
    expect(result.heap.growthUnderLoad).toBeLessThan(0.1);
    expect(result.heap.growthDrained).toBeLessThan(0.1);
    expect(result.heap.samples.length).toBeGreaterThanOrEqual(4);
  }, 150_000);

  it('reports a bad flag in one line with exit code 2', async () => {
    const { code, stdout, stderr } = await runSoakScript(['--duration', 'ten']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual(["soak: invalid --duration 'ten': expected a positive number"]);
  }, 30_000);

  it('flags leaks: requests left running, active blocks, router in-flight, heap growth, failures', () => {
    const ok: SoakResult = {
      options: { durationS: 60, warmupS: 10, warmupRequests: 0, sampleEveryS: 5, clients: 10, abortShare: 0.1, workers: 1, speedupRatio: 1, maxHeapGrowth: 0.1, seed: 0 },
      durationS: 60,
      requests: { ok: 100, failed: 0, aborted: 10, abortedEarly: 0 },
      errors: {},
      heap: { samples: [{ atS: 10, heapBytes: 100, requests: 50 }, { atS: 60, heapBytes: 105, requests: 110 }], baselineAtS: 10, baselineBytes: 100, underLoadBytes: 105, drainedBytes: 101, growthUnderLoad: 0.05, growthDrained: 0.01 },
      engines: [{ name: 'worker-0', running: 0, waiting: 0, activeBlocks: 0 }],
      routerInFlight: 0,
      problems: [],
    };
    expect(problemsOf(ok)).toEqual([]);
    expect(problemsOf({ ...ok, engines: [{ name: 'worker-0', running: 1, waiting: 0, activeBlocks: 3 }] })).toEqual(['worker-0 ends with 1 running, 0 waiting, 3 active blocks']);
    expect(problemsOf({ ...ok, routerInFlight: 2 })).toHaveLength(1);
    expect(problemsOf({ ...ok, heap: { ...ok.heap, growthUnderLoad: 0.12 } })[0]).toMatch(/grew 12\.0 % under load/);
    expect(problemsOf({ ...ok, heap: { ...ok.heap, baselineAtS: null } })[0]).toMatch(/warm-up/);
    expect(problemsOf({ ...ok, requests: { ...ok.requests, failed: 1 }, errors: { 'HTTP 500': 1 } })[0]).toMatch(/1 requests failed/);
    expect(problemsOf({ ...ok, requests: { ...ok.requests, aborted: 0 } })).toEqual(['no request was aborted mid-stream']);
  });
});
