import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/mocker/engine/engine.ts';
import { DEFAULT_ENGINE_CONFIG } from '../../../src/mocker/engine/types.ts';
import { drive, tokens } from './drive.ts';

const engine = (asyncScheduling: boolean): Engine => new Engine({ ...DEFAULT_ENGINE_CONFIG, asyncScheduling });

/** Index (1-based) of the step whose end carries the request's first token. */
function firstTokenStep(r: ReturnType<typeof drive>, id: string): number {
  const at = r.traces.get(id)!.firstAtMs;
  return r.steps.findIndex((s) => s.endMs === at) + 1;
}

describe('async scheduling (vLLM: the next step is planned while one runs)', () => {
  const arrivals = [
    { atMs: 0, req: { id: 'a', prompt: tokens(1, 100), output: tokens(2, 10) } },
    // Arrives while step 1 (a's prefill, ~18 ms) runs.
    { atMs: 1, req: { id: 'b', prompt: tokens(3, 100), output: tokens(4, 5) } },
  ];

  it('a request arriving during a step joins the step after next, not the next one', () => {
    const sync = drive(engine(false), arrivals);
    const asyn = drive(engine(true), arrivals);
    expect(firstTokenStep(sync, 'b')).toBe(2);
    expect(firstTokenStep(asyn, 'b')).toBe(3);
    expect(asyn.traces.get('b')!.firstAtMs! - 1).toBeGreaterThan(sync.traces.get('b')!.firstAtMs! - 1);
  });

  it('an idle engine takes a request into the very next step', () => {
    const r = drive(engine(true), [arrivals[0]]);
    expect(firstTokenStep(r, 'a')).toBe(1);
  });

  it('admits a not-yet-planned request rather than run an empty step', () => {
    // a finishes in its first step, so step 2 would be empty without b.
    const r = drive(engine(true), [{ atMs: 0, req: { id: 'a', prompt: tokens(1, 100), output: tokens(2, 1) } }, arrivals[1]], { checkInvariants: true });
    expect(firstTokenStep(r, 'b')).toBe(2);
    expect(r.traces.get('b')!.finishedAtMs).not.toBeNull();
  });

  it('rejects a config whose asyncScheduling is not a boolean', () => {
    expect(() => new Engine({ ...DEFAULT_ENGINE_CONFIG, asyncScheduling: 'yes' as unknown as boolean })).toThrow(/asyncScheduling/);
  });
});
