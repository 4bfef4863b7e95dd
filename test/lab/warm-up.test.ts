import { describe, expect, it } from 'vitest';
import { warmUpShape } from '../../src/lab/real-cell.ts';

describe('the embedded cluster warm-up', () => {
  it('runs three rounds of 32 tokens at speedup ≥ 1 and one short round on a slowed engine', () => {
    expect(warmUpShape(1)).toEqual({ rounds: 3, outputTokens: 32 });
    expect(warmUpShape(4)).toEqual({ rounds: 3, outputTokens: 32 });
    expect(warmUpShape(0.05)).toEqual({ rounds: 1, outputTokens: 4 });
  });
});
