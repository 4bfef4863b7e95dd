import { describe, expect, it } from 'vitest';
import { nnls } from '../../../src/lab/calibrate/nnls.ts';
import { createRng } from '../../../src/core/rng.ts';

describe('nnls (Lawson–Hanson)', () => {
  it('recovers a non-negative solution of a consistent system exactly', () => {
    const truth = [2, 0.5, 3];
    const rng = createRng('nnls');
    const A = Array.from({ length: 12 }, () => [rng.uniform(0, 5), rng.uniform(0, 5), rng.uniform(0, 5)]);
    const b = A.map((r) => r[0] * truth[0] + r[1] * truth[1] + r[2] * truth[2]);
    nnls(A, b).forEach((x, i) => expect(x).toBeCloseTo(truth[i], 8));
  });

  it('clamps at zero a coefficient whose unconstrained optimum is negative', () => {
    // b = 1·a0 − 1·a1 exactly: the constrained optimum puts x1 at 0.
    const A = [[1, 0.5], [2, 1.5], [3, 1], [4, 3]];
    const b = A.map((r) => r[0] - r[1]);
    const x = nnls(A, b);
    expect(x[1]).toBe(0);
    // With x1 = 0 the best x0 is the 1-D least squares fit.
    const x0 = A.reduce((s, r, i) => s + r[0] * b[i], 0) / A.reduce((s, r) => s + r[0] * r[0], 0);
    expect(x[0]).toBeCloseTo(x0, 10);
  });

  it('matches a brute-force search on random problems', () => {
    const rng = createRng('nnls-random');
    for (let t = 0; t < 20; t++) {
      const A = Array.from({ length: 6 }, () => [rng.uniform(-1, 2), rng.uniform(-1, 2)]);
      const b = A.map(() => rng.uniform(-1, 3));
      const cost = (x: number[]): number => A.reduce((s, r, i) => s + (r[0] * x[0] + r[1] * x[1] - b[i]) ** 2, 0);
      const x = nnls(A, b);
      expect(x.every((v) => v >= 0)).toBe(true);
      let best = Infinity;
      for (let i = 0; i <= 300; i++) for (let j = 0; j <= 300; j++) best = Math.min(best, cost([i / 50, j / 50]));
      expect(cost(x)).toBeLessThanOrEqual(best + 1e-9);
    }
  });
});
