import { describe, expect, it } from 'vitest';
import { ResponseWatcher } from '../../../src/router-sim/server/response-watch.ts';

const ev = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
const delta = (d: Record<string, unknown>, finish: string | null = null) => ev({ choices: [{ index: 0, delta: d, finish_reason: finish }] });

function watch(chunks: string[], opts: { collectAnswer?: boolean; sse?: boolean } = {}) {
  const calls: string[] = [];
  const w = new ResponseWatcher(opts.sse ?? true, { onFirstToken: () => calls.push('first'), onTokens: (n) => calls.push(`+${n}`) }, { collectAnswer: opts.collectAnswer });
  for (const c of chunks) w.feed(Buffer.from(c));
  w.end();
  return { w, calls };
}

describe('ResponseWatcher', () => {
  it('reports the first token once, then one call per token chunk, and keeps the answer without reasoning', () => {
    const { w, calls } = watch([delta({ role: 'assistant', reasoning_content: 'think' }) + delta({ content: 'Hel' }), delta({ content: 'lo' }, 'stop'), 'data: [DONE]\n\n']);
    expect(calls).toEqual(['first', '+1', '+1', '+1']);
    expect(w.firstTokenSeen).toBe(true);
    expect([w.answer, w.finishReason, w.done, w.chunks, w.outputTokens]).toEqual(['Hello', 'stop', true, 3, 3]);
  });

  it('counts output tokens from usage when the stream reports it', () => {
    const { w } = watch([delta({ content: 'a' }), delta({ content: 'b' }, 'length'), ev({ choices: [], usage: { completion_tokens: 7 } }), 'data: [DONE]\n\n']);
    expect([w.chunks, w.usageTokens, w.outputTokens]).toEqual([2, 7, 7]);
  });

  it('keeps no answer text unless asked, and still tracks tokens and the finish reason', () => {
    const { w, calls } = watch([delta({ content: 'a' }, 'stop'), 'data: [DONE]\n\n'], { collectAnswer: false });
    expect([w.answer, w.finishReason, w.chunks, calls]).toEqual(['', 'stop', 1, ['first', '+1']]);
  });

  it('reads a JSON body at its end, split anywhere', () => {
    const body = JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'héllo wörld' }, finish_reason: 'length' }], usage: { completion_tokens: 2 } });
    const bytes = Buffer.from(body);
    const cut = bytes.indexOf(0xc3) + 1; // inside the two-byte é
    const calls: string[] = [];
    const w = new ResponseWatcher(false, { onFirstToken: () => calls.push('first') });
    w.feed(bytes.subarray(0, cut));
    w.feed(bytes.subarray(cut));
    expect(calls).toEqual([]);
    w.end();
    expect([w.answer, w.finishReason, w.outputTokens, w.done, calls]).toEqual(['héllo wörld', 'length', 2, true, ['first']]);
  });

  it('ignores a JSON body that does not parse (an error page) and a token cut off mid-string, but counts a last event without its blank line', () => {
    expect(watch(['<html>bad gateway'], { sse: false }).w.done).toBe(false);
    const cut = watch(['data: {"choices":[{"delta":{"content":"x']);
    expect([cut.w.chunks, cut.w.finishReason, cut.calls]).toEqual([0, null, []]);
    // The client dispatches a final event that lacks its blank line; the router counts it the same way.
    const unterminated = watch(['data: {"choices":[{"delta":{"content":"x"}}]}\n']);
    expect([unterminated.w.chunks, unterminated.calls]).toEqual([1, ['first', '+1']]);
  });
});
