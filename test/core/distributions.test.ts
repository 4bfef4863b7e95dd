import { describe, expect, it } from 'vitest';
import {
  lognormalParamsFromAverage,
  parseDistSpec,
  sample,
  sampleInt,
  type DistSpec,
} from '../../src/core/distributions.ts';
import { KvlabError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/rng.ts';

const N = 20000;

function draws(spec: DistSpec, n = N, seed: string | number = 42): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => sample(spec, rng));
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
};
const freq = (xs: number[], v: number) => xs.filter((x) => x === v).length / xs.length;

describe('sampling', () => {
  it('constant always returns its value', () => {
    expect(new Set(draws({ distribution: 'constant', value: 7 }, 100))).toEqual(new Set([7]));
  });

  it('uniform with integer bounds gives integers covering both ends', () => {
    const xs = draws({ distribution: 'uniform', min: 3, max: 6 }, 4000);
    expect(new Set(xs)).toEqual(new Set([3, 4, 5, 6]));
    expect(mean(xs)).toBeCloseTo(4.5, 1);
  });

  it('uniform with a float bound gives floats in range', () => {
    const xs = draws({ distribution: 'uniform', min: 0.5, max: 2 }, 4000);
    expect(xs.every((x) => x >= 0.5 && x < 2)).toBe(true);
    expect(xs.some((x) => !Number.isInteger(x))).toBe(true);
    expect(mean(xs)).toBeGreaterThan(1.2);
    expect(mean(xs)).toBeLessThan(1.3);
  });

  it('exponential has the given mean and std', () => {
    const xs = draws({ distribution: 'exponential', average: 5 });
    expect(Math.abs(mean(xs) - 5) / 5).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(variance(xs)) - 5) / 5).toBeLessThan(0.05);
    expect(xs.every((x) => x >= 0)).toBe(true);
  });

  it('lognormal by average has mean = average and median = median_ratio · average (vLLM form)', () => {
    const xs = draws({ distribution: 'lognormal', average: 1000, median_ratio: 0.6 });
    expect(Math.abs(mean(xs) - 1000) / 1000).toBeLessThan(0.04);
    expect(Math.abs(median(xs) - 600) / 600).toBeLessThan(0.04);
  });

  it('lognormal by average defaults median_ratio to 0.85', () => {
    const xs = draws({ distribution: 'lognormal', average: 200 });
    expect(Math.abs(median(xs) - 170) / 170).toBeLessThan(0.03);
    expect(lognormalParamsFromAverage(200).mu).toBeCloseTo(Math.log(170), 10);
    expect(lognormalParamsFromAverage(200, 0.5).sigma).toBeCloseTo(Math.sqrt(2 * Math.log(2)), 10);
  });

  it('lognormal by mean/sigma uses numpy parameters (median = e^mean)', () => {
    const xs = draws({ distribution: 'lognormal', mean: 3, sigma: 0.5 });
    expect(Math.abs(median(xs) - Math.exp(3)) / Math.exp(3)).toBeLessThan(0.03);
    const logs = xs.map(Math.log);
    expect(Math.sqrt(variance(logs))).toBeCloseTo(0.5, 1);
  });

  it('zipf follows P(k) = k^-alpha / zeta(alpha)', () => {
    const xs = draws({ distribution: 'zipf', alpha: 2 });
    const zeta2 = Math.PI ** 2 / 6;
    expect(freq(xs, 1)).toBeGreaterThan(1 / zeta2 - 0.015);
    expect(freq(xs, 1)).toBeLessThan(1 / zeta2 + 0.015);
    expect(Math.abs(freq(xs, 2) - 1 / 4 / zeta2)).toBeLessThan(0.012);
    expect(Math.abs(freq(xs, 3) - 1 / 9 / zeta2)).toBeLessThan(0.01);
    expect(xs.every((x) => Number.isInteger(x) && x >= 1)).toBe(true);
  });

  it('poisson has mean and variance alpha, for small and large alpha', () => {
    for (const alpha of [0.5, 3, 25, 400]) {
      const xs = draws({ distribution: 'poisson', alpha }, N, `p${alpha}`);
      expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
      // 5 standard errors of the sample mean
      expect(Math.abs(mean(xs) - alpha), `mean for ${alpha}`).toBeLessThan(5 * Math.sqrt(alpha / N));
      expect(Math.abs(variance(xs) - alpha) / alpha, `variance for ${alpha}`).toBeLessThan(0.06);
    }
    expect(Math.abs(freq(draws({ distribution: 'poisson', alpha: 3 }), 0) - Math.exp(-3))).toBeLessThan(0.01);
    // P(25) for λ = 25 is e^-25 · 25^25 / 25! ≈ 0.07952
    expect(Math.abs(freq(draws({ distribution: 'poisson', alpha: 25 }), 25) - 0.07952)).toBeLessThan(0.008);
  });

  it('max clips samples from above', () => {
    const xs = draws({ distribution: 'zipf', alpha: 1.2, max: 10 }, 5000);
    expect(Math.max(...xs)).toBe(10);
    expect(freq(xs, 10)).toBeGreaterThan(0.2);
    expect(Math.max(...draws({ distribution: 'exponential', average: 100, max: 50 }, 1000))).toBe(50);
  });

  it('sampleInt rounds and never goes below zero', () => {
    const rng = createRng(1);
    expect(sampleInt({ distribution: 'constant', value: -3 }, rng)).toBe(0);
    expect(sampleInt({ distribution: 'constant', value: 2.6 }, rng)).toBe(3);
    for (let i = 0; i < 200; i++) expect(Number.isInteger(sampleInt({ distribution: 'lognormal', average: 50 }, rng))).toBe(true);
  });

  it('is reproducible from the seed', () => {
    const spec: DistSpec = { distribution: 'lognormal', average: 100, median_ratio: 0.7 };
    expect(draws(spec, 50, 9)).toEqual(draws(spec, 50, 9));
    expect(draws(spec, 50, 9)).not.toEqual(draws(spec, 50, 10));
  });
});

describe('parseDistSpec', () => {
  const err = (x: unknown): KvlabError => {
    try {
      parseDistSpec(x, 'prompt_input.num_tokens');
    } catch (e) {
      if (e instanceof KvlabError) return e;
      throw e;
    }
    throw new Error('expected an error');
  };

  it('accepts every form', () => {
    const forms = [
      { distribution: 'constant', value: 3 },
      { distribution: 'uniform', min: 1, max: 9 },
      { distribution: 'exponential', average: 2, max: 10 },
      { distribution: 'lognormal', mean: 1, sigma: 0.3 },
      { distribution: 'lognormal', average: 500, median_ratio: 0.8, max: 2000 },
      { distribution: 'lognormal', average: 500 },
      { distribution: 'zipf', alpha: 1.5, max: 20 },
      { distribution: 'poisson', alpha: 4 },
    ];
    for (const f of forms) expect(parseDistSpec(f, 'x')).toEqual(f);
    expect(parseDistSpec(12, 'x')).toEqual({ distribution: 'constant', value: 12 });
  });

  it('names the path and field in errors', () => {
    let e = err({ distribution: 'uniform', min: 1 });
    expect(e.code).toBe('invalid_config');
    expect(e.param).toBe('prompt_input.num_tokens.max');
    expect(e.message).toContain('prompt_input.num_tokens.max');
    expect(e.message).toContain('missing field "max"');

    e = err({ distribution: 'gaussian' });
    expect(e.param).toBe('prompt_input.num_tokens.distribution');
    expect(e.message).toMatch(/unknown distribution "gaussian"/);

    expect(err({ value: 3 }).param).toBe('prompt_input.num_tokens.distribution');
    expect(err({ distribution: 'constant', value: '3' }).message).toMatch(/value.*finite number/);
    expect(err({ distribution: 'constant', value: 3, average: 1 }).param).toBe('prompt_input.num_tokens.average');
    expect(err({ distribution: 'uniform', min: 5, max: 2 }).message).toMatch(/must be ≥ min/);
    expect(err({ distribution: 'zipf', alpha: 1 }).message).toMatch(/alpha.*must be > 1/);
    expect(err({ distribution: 'exponential', average: 0 }).param).toBe('prompt_input.num_tokens.average');
    expect(err({ distribution: 'lognormal', average: 10, median_ratio: 1 }).param).toBe('prompt_input.num_tokens.median_ratio');
    expect(err({ distribution: 'lognormal', average: 10, mean: 1, sigma: 1 }).message).toMatch(/not both/);
    expect(err({ distribution: 'lognormal', mean: 1, sigma: -1 }).param).toBe('prompt_input.num_tokens.sigma');
    expect(err({ distribution: 'poisson', alpha: 2, max: -1 }).param).toBe('prompt_input.num_tokens.max');
    expect(err('uniform').param).toBe('prompt_input.num_tokens');
    expect(err(null).status).toBe(400);
  });
});
