import { describe, expect, it } from 'vitest';
import { checkLengths, hasKnownLengths, lengthWarning } from '../../../src/client/workloads/length-check.ts';
import { buildMultiturn, buildTrace } from '../../../src/client/workloads/index.ts';

const row = (input_length: number, output_length: number, i: number) => ({ timestamp: i, input_length, output_length, hash_ids: [i] });

describe('length check', () => {
  it("counts trace requests whose prompt + max_tokens exceed the server's max-model-len", () => {
    const w = buildTrace({ blockSize: 64 }, { rows: [row(100, 10, 0), row(1000, 30, 1), row(990, 10, 2), row(991, 10, 3)] });
    expect(hasKnownLengths(w)).toBe(true);
    const c = checkLengths(w, 1000);
    expect(c).toEqual({ over: 2, checked: 4, requests: 4, maxModelLen: 1000, longest: 1030 });
    expect(lengthWarning(c)).toMatch(/^2 of 4 requests \(50\.0 %\) need more than the server's max_model_len of 1000 tokens \(prompt \+ max_tokens, up to 1030\)/);
    expect(lengthWarning(checkLengths(w, 2000))).toBeNull();
  });

  it('checks nothing in workloads whose prompt lengths it does not know', () => {
    const w = buildMultiturn({ numUsers: 2, numTurns: 2 });
    expect(hasKnownLengths(w)).toBe(false);
    expect(checkLengths(w, 10)).toMatchObject({ over: 0, checked: 0, requests: 4 });
  });
});
