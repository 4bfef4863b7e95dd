import { describe, expect, it } from 'vitest';
import { chooseSlot, commonPrefixLength } from '../../src/llama/slot-choice.ts';

describe('llama-worker slot choice', () => {
  it('takes the free slot sharing the longest prefix with the prompt', () => {
    const free = [
      { index: 0, tokens: [1, 2, 9], lastUsed: 5 },
      { index: 1, tokens: [1, 2, 3, 4], lastUsed: 9 },
      { index: 2, tokens: [], lastUsed: 0 },
    ];
    expect(chooseSlot(free, [1, 2, 3, 4, 5])).toEqual({ index: 1, shared: 4 });
  });

  it('with no shared prefix takes the least recently used slot, keeping the others for their conversations', () => {
    const free = [
      { index: 0, tokens: [7], lastUsed: 3 },
      { index: 1, tokens: [8], lastUsed: 1 },
    ];
    expect(chooseSlot(free, [1])).toEqual({ index: 1, shared: 0 });
    expect(chooseSlot([], [1])).toBeNull();
  });

  it('counts the common prefix of two token lists', () => {
    expect(commonPrefixLength([1, 2, 3], [1, 2, 4, 5])).toBe(2);
    expect(commonPrefixLength([], [1])).toBe(0);
  });
});
