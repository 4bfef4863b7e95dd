import { describe, expect, it } from 'vitest';
import { tokensToLoremText } from '../../../src/core/lorem.ts';
import { buildPrefixRatio, LENGTH_SPREAD } from '../../../src/client/workloads/prefix-ratio.ts';
import type { ConversationScript } from '../../../src/client/workloads/types.ts';

function tokensOf(s: ConversationScript): number[] {
  return s.turns[0].messages[0].contentTokens!;
}

function commonPrefix(a: number[], b: number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

describe('prefix-ratio workload', () => {
  const isl = 1000;
  const osl = 40;
  const ratio = 0.7;
  const w = buildPrefixRatio({ prefixRatio: ratio, isl, osl, requests: 120, concurrency: 8, numPrefixPrompts: 5, seed: 3 });
  const prefixLen = Math.round(isl * ratio);

  it('builds one single-turn request per script in one user message, closed loop at the concurrency', () => {
    expect(w.scripts).toHaveLength(120);
    expect(w.schedule).toEqual({ kind: 'closed', concurrency: 8 });
    for (const s of w.scripts) {
      expect(s.preamble).toEqual([]);
      expect(s.turns).toHaveLength(1);
      expect(s.turns[0].messages).toHaveLength(1);
      expect(s.turns[0].messages[0].role).toBe('user');
      expect(s.turns[0].ignoreEos).toBe(true);
      expect(s.tags).toMatchObject({ prefixRatio: ratio });
    }
  });

  it('makes requests of one group share exactly isl·ratio leading tokens (and text)', () => {
    const groups = new Map<number, ConversationScript[]>();
    for (const s of w.scripts) {
      const g = s.tags!.prefixGroup as number;
      groups.set(g, [...(groups.get(g) ?? []), s]);
    }
    expect(groups.size).toBe(5);
    for (const members of groups.values()) {
      expect(members.length).toBeGreaterThan(1);
      const first = tokensOf(members[0]);
      const prefixText = tokensToLoremText(first.slice(0, prefixLen));
      for (const m of members.slice(1)) {
        const shared = commonPrefix(first, tokensOf(m));
        // Fresh user parts may agree on a token by chance, never on a run of them.
        expect(shared).toBeGreaterThanOrEqual(prefixLen);
        expect(shared).toBeLessThan(prefixLen + 3);
        expect(m.turns[0].messages[0].content.startsWith(prefixText)).toBe(true);
      }
    }
  });

  it('gives different groups different prefixes', () => {
    const byGroup = new Map<number, number[]>();
    for (const s of w.scripts) byGroup.set(s.tags!.prefixGroup as number, tokensOf(s));
    const prefixes = [...byGroup.values()];
    for (let i = 0; i < prefixes.length; i++) {
      for (let j = i + 1; j < prefixes.length; j++) expect(commonPrefix(prefixes[i], prefixes[j])).toBeLessThan(3);
    }
  });

  it('keeps the user part within isl·(1−ratio) ± 25 % and the output within osl ± 25 %', () => {
    const userBase = isl - prefixLen;
    const userLens = w.scripts.map((s) => tokensOf(s).length - prefixLen);
    const outs = w.scripts.map((s) => s.turns[0].maxTokens);
    for (const u of userLens) {
      expect(u).toBeGreaterThanOrEqual(Math.floor(userBase * (1 - LENGTH_SPREAD)));
      expect(u).toBeLessThanOrEqual(Math.ceil(userBase * (1 + LENGTH_SPREAD)));
    }
    for (const o of outs) {
      expect(o).toBeGreaterThanOrEqual(Math.floor(osl * (1 - LENGTH_SPREAD)));
      expect(o).toBeLessThanOrEqual(Math.ceil(osl * (1 + LENGTH_SPREAD)));
    }
    // The lengths really vary (uniform over the range, not a constant).
    expect(new Set(userLens).size).toBeGreaterThan(20);
    expect(Math.min(...userLens)).toBeLessThan(userBase * 0.85);
    expect(Math.max(...userLens)).toBeGreaterThan(userBase * 1.15);
  });

  it('handles the extreme ratios: 0 shares nothing, 1 is all prefix', () => {
    const none = buildPrefixRatio({ prefixRatio: 0, isl: 100, requests: 10, numPrefixPrompts: 2 });
    for (const s of none.scripts) expect(tokensOf(s).length).toBeGreaterThanOrEqual(75);
    const all = buildPrefixRatio({ prefixRatio: 1, isl: 100, requests: 10, numPrefixPrompts: 2 });
    for (const s of all.scripts) expect(tokensOf(s)).toHaveLength(100);
  });
});
