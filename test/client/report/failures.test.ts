import { describe, expect, it } from 'vitest';
import { checkFailures, DEFAULT_MAX_FAILED_SHARE, failureLines } from '../../../src/client/report/failures.ts';
import type { RequestRecord } from '../../../src/core/records.ts';

const ok = (): RequestRecord => ({ conversationId: 'c', turn: 1, sentAtMs: 0, ttftMs: 1, e2eMs: 2, tpotMs: null, inputTokens: 1, outputTokens: 1, cachedTokens: 0, worker: null, ok: true, error: null, status: 200 });
const bad = (status: number | null, error: string): RequestRecord => ({ ...ok(), ok: false, ttftMs: null, status, error });

describe('failure check', () => {
  it('fails a run where every request failed, and one over the accepted share (default 5 %)', () => {
    expect(DEFAULT_MAX_FAILED_SHARE).toBe(0.05);
    expect(checkFailures([bad(503, 'HTTP 503: busy'), bad(503, 'HTTP 503: busy')])).toMatchObject({ requests: 2, failed: 2, share: 1, ok: false });
    const mixed = [...Array.from({ length: 19 }, ok), bad(400, 'HTTP 400: too long')];
    expect(checkFailures(mixed)).toMatchObject({ share: 0.05, ok: true });
    expect(checkFailures([...mixed, bad(400, 'HTTP 400: too long')])).toMatchObject({ failed: 2, ok: false });
    expect(checkFailures(mixed, 0)).toMatchObject({ ok: false });
    expect(checkFailures([])).toMatchObject({ requests: 0, share: null, ok: true });
  });

  it('breaks failures down by kind, most frequent first, each with the first full message', () => {
    const c = checkFailures([
      bad(400, "HTTP 400: This model's maximum context length is 32768 tokens."),
      bad(null, 'stream error: engine died'),
      bad(400, 'HTTP 400: another message'),
      ok(),
    ]);
    expect(c.byError).toEqual([
      { error: 'http_400', count: 2, example: "HTTP 400: This model's maximum context length is 32768 tokens." },
      { error: 'stream error', count: 1, example: 'stream error: engine died' },
    ]);
    expect(failureLines(c, 20)[0]).toEqual(['http_400', '×2', "HTTP 400: This mode…"]);
  });
});
