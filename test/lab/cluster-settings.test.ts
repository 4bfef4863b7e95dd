import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLUSTER_DEFAULTS, embeddedClusterOptions, resolveCluster, virtualClusterConfig } from '../../src/lab/cluster-settings.ts';
import { DEFAULT_ENGINE_CONFIG } from '../../src/mocker/engine/index.ts';
import { prefillOnly } from '../mocker/engine/timing-probe.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-cluster-settings-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('cluster settings', () => {
  it('fills every left-out setting from the engine and lab defaults', () => {
    const c = resolveCluster({}, root);
    expect(c.engine).toEqual({ ...DEFAULT_ENGINE_CONFIG });
    expect(c.numWorkers).toBe(CLUSTER_DEFAULTS.numWorkers);
    expect(c.router).toEqual({ ...CLUSTER_DEFAULTS.router });
    expect(c.timing).toBeUndefined();
  });

  it('gives both clocks the same engine, router and reasoning settings', () => {
    const c = resolveCluster({ numWorkers: 3, numGpuBlocks: 100, speedupRatio: 4, reasoningRatio: 0.5, router: { mode: 'kv-approx', routerTtlS: 7, routerTemperature: 0.2 } }, root);
    const v = virtualClusterConfig(c);
    const e = embeddedClusterOptions(c, 11);
    expect(v.numWorkers).toBe(3);
    expect(e.numWorkers).toBe(3);
    expect(v.engine.numGpuBlocks).toBe(100);
    expect(e.mocker).toMatchObject({ numGpuBlocks: 100, speedupRatio: 4, reasoningRatio: 0.5, seed: 11, host: '127.0.0.1' });
    expect(v.router).toEqual({ mode: 'kv-approx', kvOverlapScoreWeight: 1, routerTemperature: 0.2, routerTtlS: 7 });
    expect(e.router).toMatchObject({ mode: 'kv-approx', port: 0, overlapScoreWeight: 1, temperature: 0.2, routerTtlS: 7, seed: 11 });
    // Only the kv router reads KV events.
    expect(e.kvEvents).toBe(false);
    expect(embeddedClusterOptions(resolveCluster({ router: { mode: 'kv' } }, root), 0).kvEvents).toBe(true);
  });

  it('loads a timing profile relative to the experiment, and names the field when it cannot', () => {
    writeFileSync(join(root, 'p.json'), JSON.stringify({ kind: 'polynomial', prefill: [0, 0.01, 50], decode: [0, 0, 3] }));
    const c = resolveCluster({ profile: 'p.json' }, root);
    expect(prefillOnly(c.timing!, 100)).toBeCloseTo(51, 6);
    expect(virtualClusterConfig(c).timing).toBe(c.timing);
    expect(embeddedClusterOptions(c, 0).mocker?.profile).toBe(c.timing);
    expect(() => resolveCluster({ profile: 'missing.json' }, root)).toThrow(/cluster\.profile/);
  });
});
