import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseEnumFlag, parseFloatFlag, parseIntFlag, parseIntListFlag, parsePortFlag } from '../../src/cli/flags.ts';

describe('flag parsers', () => {
  it('integers: plain base-10 only, bounded', () => {
    expect(parseIntFlag('42')).toBe(42);
    expect(parseIntFlag(' -7 ')).toBe(-7);
    for (const bad of ['4.5', '1e3', '0x10', '12abc', '', 'nine']) expect(() => parseIntFlag(bad)).toThrow(InvalidArgumentError);
    expect(() => parseIntFlag('0', { min: 1 })).toThrow(/>= 1/);
    expect(() => parseIntFlag('11', { max: 10 })).toThrow(/<= 10/);
  });

  it('floats: decimals and exponents, finite, bounded', () => {
    expect(parseFloatFlag('0.25')).toBe(0.25);
    expect(parseFloatFlag('1e3')).toBe(1000);
    expect(parseFloatFlag('.5')).toBe(0.5);
    for (const bad of ['abc', '1/2', 'Infinity', 'NaN', '']) expect(() => parseFloatFlag(bad)).toThrow(InvalidArgumentError);
    expect(() => parseFloatFlag('1.5', { max: 1 })).toThrow(/<= 1/);
  });

  it('ports, lists and enums', () => {
    expect(parsePortFlag('0')).toBe(0);
    expect(() => parsePortFlag('65536')).toThrow(InvalidArgumentError);
    expect(parseIntListFlag('500, 503,')).toEqual([500, 503]);
    expect(() => parseIntListFlag('500,x')).toThrow(/integer/);
    expect(() => parseIntListFlag(',')).toThrow(/list/);
    expect(parseEnumFlag('kv', ['kv', 'random'] as const)).toBe('kv');
    expect(() => parseEnumFlag('kvv', ['kv', 'random'] as const)).toThrow(/one of kv, random/);
  });
});
