import { describe, expect, it } from 'vitest';
import { buildMultiturn } from '../../../src/client/workloads/multiturn.ts';
import { liveDrawnContents, releaseScript } from '../../../src/client/workloads/drawn-content.ts';
import { loremTokens, tokensToLoremText } from '../../../src/core/lorem.ts';
import { createRng } from '../../../src/core/rng.ts';

describe('multiturn content drawn when a conversation is first read', () => {
  it('draws no conversation while building, however many users', () => {
    const before = liveDrawnContents();
    const w = buildMultiturn({ numUsers: 500, numTurns: 4, seed: 2 });
    expect(w.scripts).toHaveLength(500);
    expect(liveDrawnContents()).toBe(before);
  });

  it('draws the system prompt then every turn from the user\'s own stream, as a whole build did', () => {
    const w = buildMultiturn({ numUsers: 3, numTurns: 3, numUserTokens: 20, systemPromptTokens: 12, seed: 4 });
    const s = w.scripts[2];
    // The draw order a build of the whole workload used: user-2's text stream, system first.
    const text = createRng('multiturn/4').fork('user-2').fork('text');
    const system = loremTokens(text, 12);
    const turns = [0, 1, 2].map(() => loremTokens(text, 20));
    expect(s.preamble[0].contentTokens).toEqual(system);
    expect(s.turns.map((t) => t.messages[0].contentTokens)).toEqual(turns);
    expect(s.turns[1].messages[0].content).toBe(tokensToLoremText(turns[1]));
    releaseScript(s);
  });

  it('holds a read conversation until it is released, and draws it again identically after', () => {
    const w = buildMultiturn({ numUsers: 2, numTurns: 2, seed: 6 });
    const before = liveDrawnContents();
    const first = w.scripts[0].turns.map((t) => t.messages[0].content);
    w.scripts[0].preamble[0].contentTokens;
    expect(liveDrawnContents()).toBe(before + 1);
    releaseScript(w.scripts[0]);
    expect(liveDrawnContents()).toBe(before);
    expect(w.scripts[0].turns.map((t) => t.messages[0].content)).toEqual(first);
    releaseScript(w.scripts[0]);
    expect(liveDrawnContents()).toBe(before);
  });

  it('keeps the content behind scripts copied by spreading (shards, time compression, priority classes)', () => {
    const w = buildMultiturn({ numUsers: 1, numTurns: 2, seed: 8 });
    const copy = { ...w.scripts[0], turns: w.scripts[0].turns.map((t) => ({ ...t, delayMs: t.delayMs / 2 })) };
    const before = liveDrawnContents();
    expect(copy.turns[1].messages[0].contentTokens).toEqual(w.scripts[0].turns[1].messages[0].contentTokens);
    expect(liveDrawnContents()).toBe(before + 1);
    releaseScript(copy);
    expect(liveDrawnContents()).toBe(before);
  });
});

describe('multiturn turns made when read', () => {
  it('makes a user\'s turns anew until its content is drawn, then keeps one array until it is released', () => {
    const w = buildMultiturn({ numUsers: 1, numTurns: 3, meanDelayMs: 100, seed: 3 });
    const s = w.scripts[0];
    const before = liveDrawnContents();
    // Reading think times draws no text and keeps nothing.
    expect(s.turns.map((t) => t.delayMs)).toEqual(s.turns.map((t) => t.delayMs));
    // (=== rather than toBe: a failed toBe compares deeply, which would read the content)
    expect(s.turns === s.turns).toBe(false);
    expect(liveDrawnContents()).toBe(before);
    const tokens = s.turns[2].messages[0].contentTokens;
    expect(s.turns === s.turns).toBe(true);
    expect(s.turns[2].messages[0].contentTokens).toBe(tokens);
    releaseScript(s);
    expect(liveDrawnContents()).toBe(before);
    expect(s.turns === s.turns).toBe(false);
  });
});
