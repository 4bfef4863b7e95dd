import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { KvlabError } from '../../src/core/errors.ts';
import { bool, checkOptions, describeSchema, firstProblem, httpUrl, int, nullable, num, oneOf } from '../../src/core/schema.ts';

describe('the validation layer (core/schema)', () => {
  it('describes each field by its type and range', () => {
    expect(describeSchema(int(1))).toBe('an integer ≥ 1');
    expect(describeSchema(int())).toBe('an integer');
    expect(describeSchema(int(0, 65535))).toBe('an integer ≥ 0 and ≤ 65535');
    expect(describeSchema(num({ min: 0, max: 1, exclusiveMax: true }))).toBe('a number ≥ 0 and < 1');
    expect(describeSchema(num({ min: 0, exclusiveMin: true }))).toBe('a number > 0');
    expect(describeSchema(bool())).toBe('true or false');
    expect(describeSchema(oneOf(['kv', 'random']))).toBe('one of "kv", "random"');
    expect(describeSchema(nullable(int(0)))).toBe('an integer ≥ 0 or null');
    expect(describeSchema(httpUrl())).toBe('an http(s) URL');
  });

  it('names the first bad field by its dotted path, with what it got', () => {
    const s = Type.Object({ a: Type.Object({ b: num({ min: 0, max: 1, exclusiveMax: true }) }), c: Type.Optional(int(1)) }, { additionalProperties: false });
    expect(firstProblem(s, { a: { b: 0.5 } })).toBeNull();
    expect(firstProblem(s, { a: { b: 1 } })).toMatchObject({ path: 'a.b', detail: 'must be a number ≥ 0 and < 1, got 1', unknown: false });
    expect(firstProblem(s, { a: { b: 0 }, c: 2.5 })).toMatchObject({ path: 'c', detail: 'must be an integer ≥ 1, got 2.5' });
    expect(firstProblem(s, { a: {} })).toMatchObject({ path: 'a.b', missing: true });
    expect(firstProblem(s, { a: { b: 0 }, zz: 1 })).toMatchObject({ path: 'zz', unknown: true, known: ['a', 'c'] });
  });

  it('rejects integers beyond the safe range and non-http URLs', () => {
    expect(firstProblem(int(), 2 ** 60)).not.toBeNull();
    expect(firstProblem(httpUrl(), 'http://127.0.0.1:8000')).toBeNull();
    for (const bad of ['notaurl', 'ftp://h/x', 'tcp://127.0.0.1:5557']) expect(firstProblem(httpUrl(), bad), bad).not.toBeNull();
  });

  it('checkOptions throws an invalid_config error whose param is the field', () => {
    let err: unknown;
    try {
      checkOptions(Type.Object({ watermark: num({ min: 0, max: 1, exclusiveMax: true }) }), { watermark: 1 }, 'engine config');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KvlabError);
    expect(err).toMatchObject({ code: 'invalid_config', param: 'watermark', message: 'Invalid engine config watermark: must be a number ≥ 0 and < 1, got 1' });
  });
});
