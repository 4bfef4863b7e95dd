import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/core/records.ts';
import { errorKey, summarize } from '../../src/core/summary.ts';

const rec = (over: Partial<RequestRecord>): RequestRecord => ({
  conversationId: 'c', turn: 1, sentAtMs: 0, ttftMs: 10, e2eMs: 20, tpotMs: 1, inputTokens: 100, outputTokens: 10,
  cachedTokens: 50, worker: null, ok: true, error: null, status: 200, ...over,
});

describe('error keys and cache hit ratio', () => {
  it('groups HTTP failures by status and in-stream failures (2xx) by message', () => {
    expect(errorKey(rec({ ok: false, status: 503, error: 'down' }))).toBe('http_503');
    expect(errorKey(rec({ ok: false, status: 200, error: 'upstream_unavailable: worker gone' }))).toBe('upstream_unavailable');
    expect(errorKey(rec({ ok: false, status: null, error: 'ECONNREFUSED: refused' }))).toBe('ECONNREFUSED');
  });

  it('reports cached tokens over the prompt tokens of requests that report both', () => {
    const s = summarize([rec({}), rec({ cachedTokens: 0, inputTokens: 300 }), rec({ cachedTokens: null, inputTokens: 1000 })], 1);
    expect(s.cacheHitRatio).toBeCloseTo(50 / 400);
  });
});
