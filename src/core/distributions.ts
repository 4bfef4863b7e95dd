/**
 * Seeded distributions for workload specs, with vLLM's benchmark_serving_multi_turn conventions
 * (bench_dataset.py): `constant {value}`, `uniform {min, max}` (integers, both ends inclusive, when
 * both bounds are integers; floats otherwise), `exponential {average}`, `lognormal {mean, sigma}`
 * (mu/sigma of the underlying normal, as numpy), `lognormal {average, median_ratio}` (mu = ln(median),
 * sigma = sqrt(2·ln(average/median)) with median = median_ratio·average, median_ratio in (0, 1),
 * default 0.85), `zipf {alpha}` (numpy's zipf: P(k) ∝ k^-alpha, k ≥ 1, alpha > 1) and
 * `poisson {alpha}` (alpha = λ). Any spec may carry `max`, which clips samples from above.
 *
 * Approximations: vLLM rescales each lognormal-by-average batch so its sample mean is exactly
 * `average`; we sample one value at a time, so only the expected mean is `average`. A JSON bound
 * written `5.0` parses as the integer 5 (JavaScript cannot tell them apart).
 */
import type { Rng } from './rng.ts';
import { makeError } from './errors.ts';

export type DistSpec = (
  | { distribution: 'constant'; value: number }
  | { distribution: 'uniform'; min: number; max: number }
  | { distribution: 'exponential'; average: number }
  | { distribution: 'lognormal'; mean: number; sigma: number }
  | { distribution: 'lognormal'; average: number; median_ratio?: number }
  | { distribution: 'zipf'; alpha: number }
  | { distribution: 'poisson'; alpha: number }
) & { max?: number };

export type DistName = DistSpec['distribution'];

/** vLLM's default median/mean ratio for lognormal-by-average. */
export const DEFAULT_MEDIAN_RATIO = 0.85;

const NAMES: readonly DistName[] = ['constant', 'uniform', 'exponential', 'lognormal', 'zipf', 'poisson'];

const FIELDS: Record<string, readonly string[]> = {
  constant: ['value', 'max'],
  uniform: ['min', 'max'],
  exponential: ['average', 'max'],
  lognormal: ['mean', 'sigma', 'average', 'median_ratio', 'max'],
  zipf: ['alpha', 'max'],
  poisson: ['alpha', 'max'],
};

function bad(path: string, detail: string): never {
  throw makeError('invalid_config', { path, detail, param: path });
}

function num(o: Record<string, unknown>, field: string, path: string, check?: (v: number) => string | null): number {
  const v = o[field];
  if (v === undefined) bad(`${path}.${field}`, `missing field "${field}"`);
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(`${path}.${field}`, `expected a finite number, got ${JSON.stringify(v)}`);
  const problem = check?.(v);
  if (problem) bad(`${path}.${field}`, `${problem}, got ${v}`);
  return v;
}

const positive = (v: number) => (v > 0 ? null : 'must be > 0');
const nonNegative = (v: number) => (v >= 0 ? null : 'must be ≥ 0');

/**
 * Validate a distribution spec (e.g. from a JSON workload file). A bare number is shorthand for
 * `{distribution: 'constant', value}`. Errors are `invalid_config` KvlabErrors naming `path.field`.
 */
export function parseDistSpec(x: unknown, path: string): DistSpec {
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) bad(path, `expected a finite number, got ${x}`);
    return { distribution: 'constant', value: x };
  }
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    bad(path, `expected a distribution object like {"distribution": "uniform", "min": 1, "max": 10}, got ${JSON.stringify(x)}`);
  }
  const o = x as Record<string, unknown>;
  const d = o.distribution;
  if (d === undefined) bad(`${path}.distribution`, `missing field "distribution" (one of ${NAMES.join(', ')})`);
  if (typeof d !== 'string' || !(NAMES as readonly string[]).includes(d)) {
    bad(`${path}.distribution`, `unknown distribution ${JSON.stringify(d)} (expected one of ${NAMES.join(', ')})`);
  }
  for (const k of Object.keys(o)) {
    if (k !== 'distribution' && !FIELDS[d].includes(k)) bad(`${path}.${k}`, `unknown field for a ${d} distribution`);
  }
  const clip = o.max === undefined || d === 'uniform' ? {} : { max: num(o, 'max', path, nonNegative) };
  switch (d as DistName) {
    case 'constant':
      return { distribution: 'constant', value: num(o, 'value', path), ...clip };
    case 'uniform': {
      const min = num(o, 'min', path, nonNegative);
      const max = num(o, 'max', path, (v) => (v >= min ? null : `must be ≥ min (${min})`));
      return { distribution: 'uniform', min, max };
    }
    case 'exponential':
      return { distribution: 'exponential', average: num(o, 'average', path, positive), ...clip };
    case 'lognormal': {
      if (o.average !== undefined) {
        if (o.mean !== undefined || o.sigma !== undefined) {
          bad(path, 'give either "average" (with optional "median_ratio") or "mean" and "sigma", not both');
        }
        const average = num(o, 'average', path, positive);
        const spec: DistSpec = { distribution: 'lognormal', average, ...clip };
        if (o.median_ratio !== undefined) {
          spec.median_ratio = num(o, 'median_ratio', path, (v) => (v > 0 && v < 1 ? null : 'must be in (0, 1)'));
        }
        return spec;
      }
      if (o.median_ratio !== undefined) bad(`${path}.median_ratio`, 'only allowed together with "average"');
      const mean = num(o, 'mean', path);
      const sigma = num(o, 'sigma', path, nonNegative);
      return { distribution: 'lognormal', mean, sigma, ...clip };
    }
    case 'zipf':
      return { distribution: 'zipf', alpha: num(o, 'alpha', path, (v) => (v > 1 ? null : 'must be > 1')), ...clip };
    case 'poisson':
      return { distribution: 'poisson', alpha: num(o, 'alpha', path, nonNegative), ...clip };
  }
}

/** (mu, sigma) of the underlying normal for a lognormal with this mean and median = ratio·mean. */
export function lognormalParamsFromAverage(average: number, medianRatio = DEFAULT_MEDIAN_RATIO): { mu: number; sigma: number } {
  return { mu: Math.log(average * medianRatio), sigma: Math.sqrt(2 * Math.log(1 / medianRatio)) };
}

/** Standard normal draw (Box–Muller). */
export function standardNormal(rng: Rng): number {
  const u = 1 - rng.next(); // (0, 1]
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Exponential draw with the given mean. */
export function exponential(rng: Rng, average: number): number {
  return -average * Math.log(1 - rng.next());
}

/** Zipf draw (Devroye's rejection method, as numpy): P(k) ∝ k^-alpha, k ≥ 1, alpha > 1. */
export function zipf(rng: Rng, alpha: number): number {
  const am1 = alpha - 1;
  const b = Math.pow(2, am1);
  for (;;) {
    const u = 1 - rng.next();
    const v = rng.next();
    const x = Math.floor(Math.pow(u, -1 / am1));
    if (!(x >= 1) || x > Number.MAX_SAFE_INTEGER) continue;
    const t = Math.pow(1 + 1 / x, am1);
    if ((v * x * (t - 1)) / (b - 1) <= t / b) return x;
  }
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 significant digits). */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Poisson draw with mean `lambda` (multiplication method below 10, Hörmann's PTRS above). */
export function poisson(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda < 10) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rng.next();
    while (p > limit) {
      k++;
      p *= rng.next();
    }
    return k;
  }
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.next() - 0.5;
    const v = rng.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - lnGamma(k + 1)) return k;
  }
}

function raw(spec: DistSpec, rng: Rng): number {
  switch (spec.distribution) {
    case 'constant':
      return spec.value;
    case 'uniform':
      return Number.isInteger(spec.min) && Number.isInteger(spec.max) ? rng.int(spec.min, spec.max) : rng.uniform(spec.min, spec.max);
    case 'exponential':
      return exponential(rng, spec.average);
    case 'lognormal': {
      const { mu, sigma } = 'average' in spec ? lognormalParamsFromAverage(spec.average, spec.median_ratio) : { mu: spec.mean, sigma: spec.sigma };
      return Math.exp(mu + sigma * standardNormal(rng));
    }
    case 'zipf':
      return zipf(rng, spec.alpha);
    case 'poisson':
      return poisson(rng, spec.alpha);
  }
}

/** One draw from `spec` (clipped to `max` when given; uniform is bounded by its own max). */
export function sample(spec: DistSpec, rng: Rng): number {
  const x = raw(spec, rng);
  return spec.max !== undefined && spec.distribution !== 'uniform' && x > spec.max ? spec.max : x;
}

/** One draw rounded to a non-negative integer (token counts, turn counts). */
export function sampleInt(spec: DistSpec, rng: Rng): number {
  return Math.max(0, Math.round(sample(spec, rng)));
}
