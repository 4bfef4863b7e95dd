import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createProgress, progressLine } from '../../../src/client/report/progress.ts';

describe('progress line', () => {
  it('shows done/total, rate, ETA and the moving TTFT median', () => {
    const line = progressLine({ done: 25, failed: 1, total: 100, startMs: 0, recentTtft: [30, 10, 20] }, 5000, 10);
    expect(line).toContain('[███░░░░░░░]');
    expect(line).toContain('25/100');
    expect(line).toContain('5.00 req/s');
    expect(line).toContain('ETA 15s');
    expect(line).toContain('1 failed');
    expect(line).toContain('TTFT p50 20.0 ms');
  });

  it('works without a known total or any answer yet', () => {
    const line = progressLine({ done: 0, failed: 0, total: null, startMs: 0, recentTtft: [] }, 0);
    expect(line).toContain('0 done');
    expect(line).toContain('TTFT p50 -');
  });

  it('prints nothing when quiet, and a final line on a TTY when stopped', () => {
    let text = '';
    const stream = new Writable({ write(c, _e, cb) { text += c; cb(); } });
    const quiet = createProgress({ stream, total: 1, tty: true, quiet: true, now: () => 0 });
    quiet.stop();
    expect(text).toBe('');
    const p = createProgress({ stream, total: 2, tty: true, now: () => 1000 });
    p.record({ conversationId: 'a', turn: 1, sentAtMs: 0, ttftMs: 5, e2eMs: 6, tpotMs: null, inputTokens: 1, outputTokens: 1, cachedTokens: null, worker: null, ok: true, error: null });
    p.stop();
    expect(text).toContain('1/2');
    expect(text.endsWith('\n')).toBe(true);
  });
});
