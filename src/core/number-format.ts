/**
 * How kvlab writes numbers for people (terminal tables, the HTML report): rounded by magnitude (three
 * significant digits or so, never an exponent), and durations — every time in kvlab is in ms — in the
 * unit their size calls for, as k6 does: `19.5 ms`, `640 µs`, `1.40 µs`. So a column never mixes
 * `1.4e-3` with `235`, and a sub-millisecond figure stays readable. Pure; shared by src/analysis and
 * anything else that prints figures.
 */

/** Decimals that keep about three significant digits: 235, 53.7, 2.02, 0.947. */
function decimalsFor(abs: number): number {
  return abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
}

/** A number rounded by magnitude (integers as they are), or with fixed `digits`. */
export function formatNumber(v: number, digits?: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (digits !== undefined) return v.toFixed(digits);
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(decimalsFor(Math.abs(v)));
}

/**
 * A duration given in ms, with its unit: ms from 1 ms up (`19.5 ms`, `1234 ms`), µs below
 * (`640 µs`, `7.00 µs`, `0.400 µs`), rounded by magnitude; `0 ms` for zero.
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return '0 ms';
  const abs = Math.abs(ms);
  if (abs >= 1) return `${ms.toFixed(decimalsFor(abs))} ms`;
  const us = ms * 1000;
  const text = us.toFixed(decimalsFor(Math.abs(us)));
  // 0.9996 ms rounds to 1000 µs: say 1.00 ms instead.
  return Math.abs(Number(text)) >= 1000 ? `${(ms < 0 ? -1 : 1).toFixed(2)} ms` : `${text} µs`;
}
