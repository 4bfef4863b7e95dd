import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.ts';
import { KvlabError } from '../../../src/core/errors.ts';
import { buildSharedPrefix, loadSharedPrefixPresets, parseStages, presetsOf, stageArrivals } from '../../../src/client/workloads/index.ts';

describe('stages (inference-perf constant load)', () => {
  it('sends exactly floor(rate · duration) requests per stage, spread over the stage, stages back to back', () => {
    const t = stageArrivals([{ rate: 8, durationS: 10 }, { rate: 20, durationS: 5 }], createRng(1));
    expect(t).toHaveLength(180);
    const first = t.slice(0, 80);
    expect(first.every((x) => x > 0 && x <= 10_000 + 1e-6)).toBe(true);
    expect(first[79]).toBeCloseTo(10_000, 6); // gaps rescaled to sum to the duration
    expect(t.slice(80).every((x) => x > 10_000 && x <= 15_000 + 1e-6)).toBe(true);
    expect([...t].sort((a, b) => a - b)).toEqual(t);
    // Exponential gaps, not evenly spaced: the gaps vary a lot.
    const gaps = first.slice(1).map((x, i) => x - first[i]);
    expect(Math.max(...gaps) / Math.min(...gaps)).toBeGreaterThan(20);
  });

  it('parses "rate:duration" lists and names what is wrong', () => {
    expect(parseStages('8:600, 20:600')).toEqual([{ rate: 8, durationS: 600 }, { rate: 20, durationS: 600 }]);
    expect(parseStages('2.5:60')).toEqual([{ rate: 2.5, durationS: 60 }]);
    expect(parseStages('8-600')).toMatch(/rate:durationS/);
    expect(parseStages('0:600')).toMatch(/> 0/);
    expect(parseStages('')).toMatch(/at least one stage/);
  });
});

describe('shared-prefix workload', () => {
  const small = { systemPromptLen: 32, questionLen: 40, outputLen: 7, numGroups: 3, usersPerGroup: 2, stages: '10:2' };

  it('cycles through numGroups × usersPerGroup prompts that share their group system prompt', () => {
    const w = buildSharedPrefix(small);
    expect(w.scripts).toHaveLength(20);
    expect(w.schedule).toEqual({ kind: 'open' });
    const prompts = w.scripts.map((s) => s.turns[0].messages[0].contentTokens!);
    expect(new Set(prompts.map((p) => p.join(','))).size).toBe(6);
    for (let i = 6; i < 20; i++) expect(prompts[i]).toEqual(prompts[i - 6]); // prompt i mod N
    for (const s of w.scripts) {
      const turn = s.turns[0];
      expect(turn.messages[0].contentTokens).toHaveLength(72);
      expect(turn.maxTokens).toBe(7);
      expect(turn.ignoreEos).toBe(true);
    }
    const byGroup = new Map<number, number[][]>();
    w.scripts.slice(0, 6).forEach((s, i) => {
      const g = s.tags!.group as number;
      byGroup.set(g, [...(byGroup.get(g) ?? []), prompts[i]]);
    });
    expect(byGroup.size).toBe(3);
    for (const [, ps] of byGroup) {
      expect(ps).toHaveLength(2);
      expect(ps[0].slice(0, 32)).toEqual(ps[1].slice(0, 32)); // the shared system prompt
      expect(ps[0].slice(32)).not.toEqual(ps[1].slice(32)); // each user's own question
    }
  });

  it('takes a named preset from the calibration file, explicit parameters still winning', () => {
    const presets = loadSharedPrefixPresets();
    expect(Object.keys(presets).sort()).toEqual(['codegen', 'general', 'general-lite', 'reasoning', 'reasoning-lite', 'roleplay']);
    expect(presets.general).toEqual({ systemPromptLen: 100, questionLen: 447, outputLen: 248, numGroups: 9, usersPerGroup: 5, stages: '8:600,20:600' });
    const w = buildSharedPrefix({ preset: 'reasoning-lite', stages: '1:30' }, { presets });
    expect(w.params).toMatchObject({ preset: 'reasoning-lite', questionLen: 934, outputLen: 1448, numGroups: 23, usersPerGroup: 1, stages: '1:30' });
    expect(w.scripts).toHaveLength(30);
  });

  it('builds the 20-minute general preset (16,800 requests) in well under a second of work', () => {
    const w = buildSharedPrefix({ preset: 'general' }, { presets: loadSharedPrefixPresets() });
    expect(w.scripts).toHaveLength(16_800);
    expect(w.scripts.at(-1)!.turns[0].atMs).toBeCloseTo(1_200_000, 3);
  });

  it('refuses an unknown preset, listing the known ones, and bad parameters naming them', () => {
    const presets = loadSharedPrefixPresets();
    expect(() => buildSharedPrefix({ preset: 'chatty' }, { presets })).toThrow(/unknown preset "chatty" \(known: general, general-lite, codegen/);
    expect(() => buildSharedPrefix({ stages: '8:x' })).toThrow(KvlabError);
    expect(() => buildSharedPrefix({ stages: '8:x' })).toThrow(/stages/);
    expect(() => buildSharedPrefix({ systemPromptLen: 0, questionLen: 0 })).toThrow(/at least one token/);
    expect(() => presetsOf({ presets: { x: { system_prompt_len: 1 } } })).toThrow(/presets\.x\.stages/);
  });
});
