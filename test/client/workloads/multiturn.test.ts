import { describe, expect, it } from 'vitest';
import { buildMultiturn } from '../../../src/client/workloads/multiturn.ts';

describe('multiturn workload', () => {
  it('gives every user numTurns lorem messages of numUserTokens tokens and the history', () => {
    const w = buildMultiturn({ numUsers: 4, numTurns: 6, numUserTokens: 33, maxCompletionTokens: 77 });
    expect(w.scripts).toHaveLength(4);
    expect(w.schedule).toEqual({ kind: 'closed', concurrency: 4 });
    for (const s of w.scripts) {
      expect(s.keepHistory).toBe(true);
      expect(s.turns).toHaveLength(6);
      for (const t of s.turns) {
        expect(t.messages).toHaveLength(1);
        expect(t.messages[0].role).toBe('user');
        expect(t.messages[0].contentTokens).toHaveLength(33);
        expect(t.maxTokens).toBe(77);
        expect(t.ignoreEos).toBe(true);
        expect(t.extraBody).toBeUndefined();
      }
    }
  });

  it('gives each user its own system prompt', () => {
    const w = buildMultiturn({ numUsers: 20, numTurns: 1 });
    const prompts = w.scripts.map((s) => {
      expect(s.preamble).toHaveLength(1);
      expect(s.preamble[0].role).toBe('system');
      expect(s.preamble[0].contentTokens).toHaveLength(64);
      return s.preamble[0].content;
    });
    expect(new Set(prompts).size).toBe(20);
  });

  it('waits nothing before the first turn and an exponential think time (mean meanDelayMs) before later ones', () => {
    const w = buildMultiturn({ numUsers: 300, numTurns: 5, numUserTokens: 1, systemPromptTokens: 0, meanDelayMs: 2000 });
    const later: number[] = [];
    for (const s of w.scripts) {
      expect(s.turns[0].delayMs).toBe(0);
      for (const t of s.turns.slice(1)) later.push(t.delayMs);
    }
    const mean = later.reduce((a, b) => a + b, 0) / later.length;
    // 1,200 draws: the standard error of the mean is 2000/√1200 ≈ 58 ms.
    expect(mean).toBeGreaterThan(1750);
    expect(mean).toBeLessThan(2250);
    // Exponential: the median is mean·ln 2, well below the mean.
    const sorted = later.slice().sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeGreaterThan(1100);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(1700);
    expect(Math.min(...later)).toBeGreaterThanOrEqual(0);
  });

  it('asks for speculative prefill through nvext agent hints', () => {
    const w = buildMultiturn({ numUsers: 2, numTurns: 2, speculativePrefill: true });
    for (const t of w.scripts.flatMap((s) => s.turns)) {
      expect(t.extraBody).toEqual({ nvext: { agent_hints: { speculative_prefill: true } } });
    }
  });

  it('turns ping into one user, one short turn and no delay', () => {
    const w = buildMultiturn({ ping: true, numUsers: 50, meanDelayMs: 9000 });
    expect(w.scripts).toHaveLength(1);
    expect(w.scripts[0].turns).toHaveLength(1);
    expect(w.scripts[0].turns[0].messages[0].contentTokens).toHaveLength(50);
    expect(w.scripts[0].turns[0].maxTokens).toBe(50);
    expect(w.params).toMatchObject({ ping: true, numUsers: 1, numTurns: 1, meanDelayMs: 0 });
    expect(w.schedule).toEqual({ kind: 'closed', concurrency: 1 });
  });
});
