import { describe, expect, it } from 'vitest';
import { applyOverrides, expandMatrix, parseExperiment, resolveMatrixPath } from '../../src/lab/experiment-file.ts';

const base = {
  name: 'sweep',
  description: 'a test',
  cluster: { numWorkers: 2, router: { mode: 'kv' } },
  workload: { kind: 'prefix-ratio', prefixRatio: 0.5 },
  matrix: { 'router.mode': ['kv', 'round-robin'], 'workload.prefixRatio': [0.1, 0.9] },
  seed: 3,
};

describe('experiment files', () => {
  it('accepts a valid file', () => {
    expect(parseExperiment(base).name).toBe('sweep');
  });

  it('needs name, cluster and workload.kind; description is optional', () => {
    const { description: _, ...bare } = base;
    expect(parseExperiment(bare).description).toBeUndefined();
    expect(parseExperiment({ name: 'x', cluster: {}, workload: { kind: 'multiturn' } }).name).toBe('x');
    for (const drop of ['name', 'cluster', 'workload'] as const) {
      const { [drop]: _gone, ...rest } = base;
      expect(() => parseExperiment(rest)).toThrow(new RegExp(`field '${drop}': missing \\(an experiment file needs name, cluster, workload\\.kind\\)`));
    }
    expect(() => parseExperiment({ ...base, workload: {} })).toThrow(/field 'workload\.kind': missing/);
  });

  it('names the bad field in its error', () => {
    expect(() => parseExperiment({ ...base, cluster: { numWorkers: 0 } })).toThrow(/cluster\.numWorkers/);
    expect(() => parseExperiment({ ...base, cluster: { router: { mode: 'fastest' } } })).toThrow(/cluster\.router\.mode/);
    expect(() => parseExperiment({ ...base, bogus: 1 })).toThrow(/bogus/);
    expect(() => parseExperiment({ ...base, matrix: { 'router.mode': ['kv', 'nope'] } })).toThrow(/matrix\.router\.mode.*"nope"/);
    expect(() => parseExperiment({ ...base, matrix: { 'cluster.numWorkers': [-1] } })).toThrow(/matrix\.cluster\.numWorkers/);
  });

  it('implies cluster. for matrix keys that do not name workload or cluster', () => {
    expect(resolveMatrixPath('router.mode')).toEqual(['cluster', 'router', 'mode']);
    expect(resolveMatrixPath('workload.isl')).toEqual(['workload', 'isl']);
    expect(() => resolveMatrixPath('__proto__.x')).toThrow();
  });

  it('expands the matrix as a cartesian product in file order, with repeats', () => {
    const cells = expandMatrix(parseExperiment({ ...base, repeats: 2 }));
    expect(cells).toHaveLength(8);
    expect(cells[0].params).toEqual({ 'router.mode': 'kv', 'workload.prefixRatio': 0.1 });
    expect(cells[0].experiment.cluster.router?.mode).toBe('kv');
    expect(cells[0].experiment.workload.prefixRatio).toBe(0.1);
    expect(cells[7].experiment.cluster.router?.mode).toBe('round-robin');
    expect(cells[7].experiment.workload.prefixRatio).toBe(0.9);
    expect(cells.map((c) => c.seed)).toEqual([3, 4, 3, 4, 3, 4, 3, 4]);
    expect(new Set(cells.map((c) => c.runDir)).size).toBe(8);
  });

  it('applies --set overrides and revalidates them', () => {
    const exp = applyOverrides(parseExperiment(base), ['cluster.numWorkers=4', 'workload.isl=1000', 'matrix.router.mode=["random"]']);
    expect(exp.cluster.numWorkers).toBe(4);
    expect(exp.workload.isl).toBe(1000);
    expect(expandMatrix(exp)).toHaveLength(2);
    expect(() => applyOverrides(parseExperiment(base), ['cluster.numWorkers=zero'])).toThrow(/numWorkers/);
  });

  it("names the user's --set, not the file, when an override breaks the experiment", () => {
    const file = '/shipped/experiments/sweep.json';
    const message = (sets: string[]): string => {
      try {
        applyOverrides(parseExperiment(base, file), sets, file);
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(message(['nosuch.key=3'])).toMatch(/^--set nosuch\.key=3: the experiment has no field 'nosuch' \(read as cluster\.nosuch; cluster has: numWorkers, router, /);
    expect(message(['cluster.router.speed=3'])).toMatch(/^--set cluster\.router\.speed=3: the experiment has no field 'cluster\.router\.speed' \(cluster\.router has: mode, /);
    expect(message(['cluster.numWorkers=4', 'watermark=1'])).toBe("--set watermark=1: field 'cluster.watermark': must be a number ≥ 0 and < 1, got 1");
    expect(message(['matrix.router.mode=["fastest"]'])).toMatch(/^--set matrix\.router\.mode=\["fastest"\]: field 'matrix\.router\.mode': value "fastest" is invalid/);
    for (const sets of [['nosuch.key=3'], ['watermark=1']]) expect(message(sets)).not.toContain(file);
  });

  it('checks the workload section against the workload registry', () => {
    expect(() => parseExperiment({ ...base, workload: { kind: 'bogus' } })).toThrow(/workload\.kind/);
    expect(() => parseExperiment({ ...base, workload: { kind: 'prefix-ratio', isll: 5 } })).toThrow(/workload\.isll.*not a parameter/);
    expect(() => parseExperiment({ ...base, matrix: {}, workload: { kind: 'trace', input: 5 } })).toThrow(/workload\.input/);
    expect(() => parseExperiment({ ...base, matrix: { 'workload.kind': ['trace', 'multiturn'] } })).toThrow(/matrix\.workload\.kind/);
    expect(() => parseExperiment({ ...base, matrix: { 'workload.nope': [1] } })).toThrow(/matrix\.workload\.nope/);
    expect(() => parseExperiment({ ...base, workload: { kind: 'trace' } })).toThrow(/matrix\.workload\.prefixRatio.*not a parameter of the trace workload/);
    expect(parseExperiment({ ...base, matrix: {}, workload: { kind: 'trace', input: 'a.jsonl', numRequests: 3 } }).workload.input).toBe('a.jsonl');
  });

  it('accepts report choices and rejects unknown ones', () => {
    expect(parseExperiment({ ...base, report: { sweepX: 'workload.prefixRatio', sweepSeries: null, title: 't' } }).report?.sweepSeries).toBeNull();
    expect(() => parseExperiment({ ...base, report: { colour: 'red' } })).toThrow(/report/);
  });

  it('raises usage errors (exit code 2) that carry the bad field', () => {
    try {
      parseExperiment({ ...base, cluster: { numWorkers: 0 } });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'bad_experiment_file', status: 2, param: 'cluster.numWorkers' });
    }
  });
});
