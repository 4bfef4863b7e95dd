import { describe, expect, it } from 'vitest';
import { formatMs, formatNumber } from '../../src/core/number-format.ts';

describe('number format', () => {
  it('writes a duration in ms from 1 ms up and in µs below, never with an exponent', () => {
    expect(formatMs(19.5)).toBe('19.5 ms');
    expect(formatMs(235.4)).toBe('235 ms');
    expect(formatMs(2.0234)).toBe('2.02 ms');
    expect(formatMs(40835)).toBe('40835 ms');
    expect(formatMs(0.64)).toBe('640 µs');
    expect(formatMs(0.0014)).toBe('1.40 µs');
    expect(formatMs(0.0754)).toBe('75.4 µs');
    expect(formatMs(0.0004)).toBe('0.400 µs');
    expect(formatMs(0)).toBe('0 ms');
    expect(formatMs(-19.5)).toBe('-19.5 ms');
    expect(formatMs(-0.0014)).toBe('-1.40 µs');
    for (const v of [1e-3, 1.4e-3, 1e-7, 123456.789]) expect(formatMs(v)).not.toMatch(/e/);
  });

  it('says 1.00 ms, not 1000 µs, where µs would round up to a millisecond', () => {
    expect(formatMs(0.9996)).toBe('1.00 ms');
    expect(formatMs(0.9994)).toBe('999 µs');
  });

  it('rounds plain numbers by magnitude and keeps integers', () => {
    expect(formatNumber(123.456)).toBe('123');
    expect(formatNumber(4.5)).toBe('4.50');
    expect(formatNumber(0.0014)).toBe('0.001');
    expect(formatNumber(12)).toBe('12');
    expect(formatNumber(1.23456, 3)).toBe('1.235');
  });
});
