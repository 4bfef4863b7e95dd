/**
 * One schema per setting: the engine, the mocker's options, an experiment's cluster section and the
 * virtual cluster accept and reject the same values (before, `--watermark 1` passed the flag and
 * option checks and then crashed the engine).
 */
import { describe, expect, it } from 'vitest';
import { KvlabError } from '../../../src/core/errors.ts';
import { DEFAULT_ENGINE_CONFIG, Engine, type EngineConfig } from '../../../src/mocker/engine/index.ts';
import { resolveMockerOptions } from '../../../src/mocker/server/options.ts';
import { parseExperiment } from '../../../src/lab/experiment-file.ts';
import { checkVirtualOptions } from '../../../src/lab/virtual/run-virtual.ts';

type Verdict = 'ok' | 'rejected';

function verdict(f: () => unknown): Verdict {
  try {
    f();
    return 'ok';
  } catch {
    return 'rejected';
  }
}

const router = { mode: 'kv' as const, kvOverlapScoreWeight: 1, routerTemperature: 0, routerTtlS: 120 };

/** What each entry point (the engine, the mocker, an experiment file) says of one engine setting's value. */
function verdicts(field: keyof EngineConfig, value: unknown): Verdict[] {
  const engine = { ...DEFAULT_ENGINE_CONFIG, [field]: value } as EngineConfig;
  return [
    verdict(() => new Engine(engine)),
    verdict(() => resolveMockerOptions({ [field]: value })),
    verdict(() => parseExperiment({ name: 'x', cluster: { [field]: value }, workload: { kind: 'multiturn' } })),
  ];
}

describe('engine settings: one schema for every entry point', () => {
  it.each([
    ['watermark', 1, 'rejected'],
    ['watermark', 0.99, 'ok'],
    ['watermark', 0, 'ok'],
    ['watermark', -0.01, 'rejected'],
    ['blockSize', 0, 'rejected'],
    ['blockSize', 16.5, 'rejected'],
    ['blockSize', 16, 'ok'],
    ['speedupRatio', 0, 'rejected'],
    ['speedupRatio', 0.5, 'ok'],
    ['maxModelLen', '4096', 'rejected'],
    ['enablePrefixCaching', 'yes', 'rejected'],
  ] as const)('%s = %j is %s everywhere', (field, value, expected) => {
    expect(verdicts(field, value)).toEqual([expected, expected, expected]);
  });

  it('the engine names the field in an invalid_config error', () => {
    let err: unknown;
    try {
      new Engine({ ...DEFAULT_ENGINE_CONFIG, watermark: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KvlabError);
    expect(err).toMatchObject({ code: 'invalid_config', param: 'watermark' });
    expect((err as Error).message).toBe('Invalid engine config watermark: must be a number ≥ 0 and < 1, got 1');
  });

  it('the virtual cluster checks its own settings by the same schema wording', () => {
    const engine = DEFAULT_ENGINE_CONFIG;
    expect(() => checkVirtualOptions({ workload: null as never, seed: 0, cluster: { numWorkers: 1, engine, reasoningRatio: 1.5, router } })).toThrow(
      'virtual cluster: cluster.reasoningRatio must be a number ≥ 0 and ≤ 1, got 1.5',
    );
    expect(() => checkVirtualOptions({ workload: null as never, seed: 0, cluster: { numWorkers: 1, engine, reasoningRatio: 0, router: { ...router, routerTtlS: 0 } } })).toThrow(
      /cluster\.router\.routerTtlS must be a number > 0, got 0/,
    );
  });
});
