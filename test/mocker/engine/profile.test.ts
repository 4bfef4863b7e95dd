import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/mocker/engine/engine.ts';
import { loadProfile, ProfileError } from '../../../src/mocker/engine/profile.ts';
import { DEFAULT_TIMING } from '../../../src/mocker/engine/timing/index.ts';
import { DEFAULT_ENGINE_CONFIG } from '../../../src/mocker/engine/types.ts';
import { drive, tokens } from './drive.ts';
import { decodeOnly, prefillOnly } from './timing-probe.ts';

const ttft = (timing = DEFAULT_TIMING, promptLen = 1000): number => {
  const e = new Engine({ ...DEFAULT_ENGINE_CONFIG }, timing);
  return drive(e, [{ atMs: 0, req: { id: 'a', prompt: tokens(1, promptLen), output: [1, 2] } }]).traces.get('a')!.firstAtMs!;
};

describe('timing models', () => {
  it('defaults to the Dynamo mocker polynomials', () => {
    expect(prefillOnly(DEFAULT_TIMING, 0)).toBe(0);
    expect(prefillOnly(DEFAULT_TIMING, 1000)).toBeCloseTo(32.1058589, 6);
    expect(decodeOnly(DEFAULT_TIMING, 0, 100)).toBeCloseTo(5.74, 9);
    expect(decodeOnly(DEFAULT_TIMING, 50, 100)).toBeCloseTo(-25.74 / 4 + 54.01 / 2 + 5.74, 9);
  });

  it('loads a polynomial profile that changes step timing', () => {
    const profile = loadProfile({ kind: 'polynomial', prefill: [0, 0.01, 5], decode: [0, 0, 0.5], decodeMinMs: 2 });
    expect(ttft(profile)).toBeCloseTo(15, 9);
    expect(decodeOnly(profile, 10, 100)).toBe(2); // floored at decodeMinMs
    expect(decodeOnly(loadProfile({ kind: 'polynomial', prefill: [0, 0, 1], decode: [0, 0, 0.5] }), 1, 2)).toBe(1); // default floor 1 ms
  });

  it('loads a table profile: piecewise linear, extrapolated at both ends', () => {
    const profile = loadProfile({
      kind: 'table',
      name: 'fitted',
      meta: { gpu: 'x' },
      prefill: [[100, 10], [1100, 30], [2100, 70]],
      decode: [[0, 4], [0.5, 8], [1, 20]],
    });
    expect(prefillOnly(profile, 0)).toBe(0);
    expect(prefillOnly(profile, 600)).toBeCloseTo(20, 9);
    expect(prefillOnly(profile, 1600)).toBeCloseTo(50, 9);
    expect(prefillOnly(profile, 3100)).toBeCloseTo(110, 9); // past the end: last slope
    expect(prefillOnly(profile, 50)).toBeCloseTo(9, 9); // before the start: first slope
    expect(decodeOnly(profile, 25, 100)).toBeCloseTo(6, 9);
    expect(decodeOnly(profile, 75, 100)).toBeCloseTo(14, 9);
    expect(ttft(profile)).toBeCloseTo(28, 9);
    expect(ttft(profile)).not.toBeCloseTo(ttft(), 1);
  });

  it.each([
    [null, 'profile', /JSON object/],
    [{ kind: 'cubic' }, 'profile.kind', /polynomial", "table" or "roofline/],
    [{ kind: 'polynomial', prefill: [1, 2], decode: [0, 0, 1] }, 'profile.prefill', /3 coefficients/],
    [{ kind: 'polynomial', prefill: [1, 2, 'x'], decode: [0, 0, 1] }, 'profile.prefill[2]', /finite number/],
    [{ kind: 'polynomial', prefill: [0, 0, 1], decode: [0, 0, 1], decodeMinMs: -1 }, 'profile.decodeMinMs', /≥ 0/],
    [{ kind: 'polynomial', prefill: [0, 0, 1], decode: [0, 0, 1], decodeMinMS: 1 }, 'profile.decodeMinMS', /not a known field/],
    [{ kind: 'table', prefill: [[1, 1]], decode: [[0, 1], [1, 2]] }, 'profile.prefill', /at least 2/],
    [{ kind: 'table', prefill: [[1, 1], [2, 2]], decode: [[0, 1], [0.5, 2], [0.4, 3]] }, 'profile.decode[2][0]', /increasing/],
    [{ kind: 'table', prefill: [[1, 1], [2, 2]], decode: [[0, 1], [50, 2]] }, 'profile.decode[1][0]', /0\.\.1/],
    [{ kind: 'table', prefill: [[1, 1], [2, -2]], decode: [[0, 1], [1, 2]] }, 'profile.prefill[1][1]', /≥ 0/],
    [{ kind: 'table', prefill: [[1, 1], 5], decode: [[0, 1], [1, 2]] }, 'profile.prefill[1]', /pair/],
  ])('rejects a bad profile naming the field (%#)', (bad, field, message) => {
    let caught: unknown;
    try {
      loadProfile(bad);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProfileError);
    expect((caught as ProfileError).field).toBe(field);
    expect((caught as ProfileError).message.startsWith(field)).toBe(true);
    expect((caught as ProfileError).message).toMatch(message);
  });
});
