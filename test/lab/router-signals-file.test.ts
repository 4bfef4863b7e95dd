import { describe, expect, it } from 'vitest';
import { applyOverrides, ExperimentFileError, parseExperiment } from '../../src/lab/experiment-file.ts';
import { resolveCluster, clusterConfigRecord } from '../../src/lab/cluster-settings.ts';

const base = { name: 's', cluster: { router: { mode: 'kv' } }, workload: { kind: 'multiturn' } };

describe('router signal settings in experiment files', () => {
  it('accepts delay, loss and load refresh, and passes them to the resolved cluster', () => {
    const exp = applyOverrides(parseExperiment(base), ['router.kvEventDelayMs=50', 'router.kvEventLoss=0.1', 'router.loadRefreshMs=50']);
    const c = resolveCluster(exp.cluster, '.');
    expect(c.router).toMatchObject({ kvEventDelayMs: 50, kvEventLoss: 0.1, loadRefreshMs: 50 });
  });

  it('leaves them out of the resolved settings (and run.json) when the file does not set them', () => {
    const c = resolveCluster(parseExperiment(base).cluster, '.');
    expect(Object.keys(clusterConfigRecord(c).router as object)).toEqual(['mode', 'kvOverlapScoreWeight', 'routerTemperature', 'routerTtlS']);
  });

  it.each([
    ['router.kvEventDelayMs=-1', 'cluster.router.kvEventDelayMs'],
    ['router.kvEventLoss=1.5', 'cluster.router.kvEventLoss'],
    ['router.kvEventLoss=-0.1', 'cluster.router.kvEventLoss'],
    ['router.loadRefreshMs=-5', 'cluster.router.loadRefreshMs'],
    ['router.replicas=0', 'cluster.router.replicas'],
    ['router.replicas=1.5', 'cluster.router.replicas'],
  ])('%s is a usage error naming the field', (set, field) => {
    let err: unknown;
    try {
      applyOverrides(parseExperiment(base), [set]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExperimentFileError);
    expect((err as ExperimentFileError).status).toBe(2);
    expect((err as Error).message).toContain(`field '${field}'`);
  });
});
