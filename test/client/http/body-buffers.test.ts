import { describe, expect, it } from 'vitest';
import { BodyBuffers, POOLED_MIN_BYTES } from '../../../src/client/http/body-buffers.ts';

describe('BodyBuffers', () => {
  it('hands a long body memory given back by an earlier one, sized exactly as asked', () => {
    const pool = new BodyBuffers();
    const a = pool.take(94_000);
    expect(a.length).toBe(94_000);
    pool.give(a);
    expect(pool.size).toBe(1);
    const b = pool.take(90_000);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(90_000);
    expect(pool.size).toBe(0);
    // Still in use: the next one gets memory of its own.
    expect(pool.take(90_000).buffer).not.toBe(a.buffer);
  });

  it('does not pin a huge buffer for a body under half its size, nor pool small bodies', () => {
    const pool = new BodyBuffers();
    const huge = pool.take(1_000_000);
    pool.give(huge);
    expect(pool.take(100_000).buffer).not.toBe(huge.buffer);
    const small = pool.take(POOLED_MIN_BYTES - 1);
    pool.give(small);
    expect(pool.size).toBe(1); // only the huge one
  });

  it('keeps a buffer given back twice only once', () => {
    const pool = new BodyBuffers();
    const a = pool.take(50_000);
    pool.give(a);
    pool.give(a);
    expect(pool.size).toBe(1);
  });
});
