import { describe, expect, it } from 'vitest';
import { StreamTimer, timingOfBody, tpotOf } from '../../../src/client/http/response-timing.ts';
import { decodeSse } from '../../../src/client/http/sse.ts';
import { OPENAI, REASONING, VLLM } from './fixtures.ts';

/** Feed a fixture's items to a timer, one item per `stepMs` starting at `firstMs`. */
function replay(text: string, startMs: number, firstMs: number, stepMs: number) {
  const t = new StreamTimer(startMs);
  let at = firstMs;
  for (const item of decodeSse([text])) {
    if (item.kind === 'chunk') t.chunk(item.data, at);
    else if (item.kind === 'done') t.markDone();
    else t.fail(item.error);
    at += stepMs;
  }
  return t.finish(at);
}

describe('stream timing', () => {
  it('TTFT is the first token chunk, not the empty role chunk; ITL are gaps between token chunks', () => {
    // Items at 100 (role), 110 (Héllo), 120 (wörld), 130 (usage), 140 (DONE); end 150.
    const r = replay(VLLM, 0, 100, 10);
    expect(r.ttftMs).toBe(110);
    expect(r.ttfatMs).toBe(110);
    expect(r.itlMs).toEqual([10]);
    expect(r.e2eMs).toBe(150);
    expect(r.content).toBe('Héllo wörld ✓');
    expect(r.usage).toEqual({ promptTokens: 12, completionTokens: 3, cachedTokens: 8 });
    expect(r.finishReason).toBe('length');
    expect(r.sawDone).toBe(true);
  });

  it('counts reasoning tokens for TTFT and answer tokens for TTFAT, and keeps reasoning out of the content', () => {
    // role 0, reasoning_content 10, reasoning 20, content 30.
    const r = replay(REASONING, 0, 0, 10);
    expect(r.ttftMs).toBe(10);
    expect(r.ttfatMs).toBe(30);
    expect(r.itlMs).toEqual([10, 10]);
    expect(r.reasoning).toBe('Let me think. Still thinking.');
    expect(r.content).toBe('Answer');
  });

  it('reports null cached tokens when usage has no prompt_tokens_details, 0 when it says 0', () => {
    const t = new StreamTimer(0);
    t.chunk({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 1 } }, 1);
    expect(t.finish(2).usage?.cachedTokens).toBeNull();
    expect(replay(OPENAI, 0, 0, 1).usage?.cachedTokens).toBe(0);
  });

  it('measures from the send time it was given', () => {
    const r = replay(VLLM, 1000, 1100, 10);
    expect(r.ttftMs).toBe(110);
  });

  it('TPOT is (E2E − TTFT)/(tokens − 1), null below two tokens', () => {
    expect(tpotOf(1100, 100, 11)).toBe(100);
    expect(tpotOf(1100, 100, 1)).toBeNull();
    expect(tpotOf(1100, null, 5)).toBeNull();
  });

  it('a non-streamed body gives E2E, content and usage but no first-token times', () => {
    const r = timingOfBody(
      { choices: [{ message: { role: 'assistant', content: 'hey', reasoning_content: 'hmm' }, finish_reason: 'stop' }], usage: { prompt_tokens: 4, completion_tokens: 2 } },
      10,
      60,
    );
    expect(r).toMatchObject({ ttftMs: null, ttfatMs: null, e2eMs: 50, content: 'hey', reasoning: 'hmm', finishReason: 'stop' });
  });

  it('reads the engine’s own TTFT from nvext.timing on the final chunks (the last stamp wins), null without one', () => {
    const t = new StreamTimer(0);
    t.chunk({ choices: [{ delta: { content: 'a' }, finish_reason: null }] }, 40);
    t.chunk({ choices: [{ delta: { content: 'b' }, finish_reason: 'length' }], nvext: { timing: { arrival_ms: 1_000_000.5, first_token_ms: 1_000_010.5 } } }, 41);
    t.chunk({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 }, nvext: { timing: { arrival_ms: 1_000_000.5, first_token_ms: 1_000_012.5 } } }, 42);
    expect(t.finish(43).engineTtftMs).toBe(12);
    // Dynamo's nvext without timing, and a timing without a first token, say nothing.
    const dynamo = new StreamTimer(0);
    dynamo.chunk({ choices: [{ delta: { content: 'a' } }], nvext: { worker_id: { prefill_worker_id: 7 } } }, 5);
    dynamo.chunk({ choices: [], nvext: { timing: { arrival_ms: 1, first_token_ms: null } } }, 6);
    expect(dynamo.finish(7).engineTtftMs).toBeNull();
    expect(replay(VLLM, 0, 0, 1).engineTtftMs).toBeNull();
    expect(timingOfBody({ choices: [], nvext: { timing: { arrival_ms: 5, first_token_ms: 8 } } }, 0, 10).engineTtftMs).toBe(3);
  });

  it('reads completions `text` chunks', () => {
    const t = new StreamTimer(0);
    t.chunk({ choices: [{ text: 'ab', finish_reason: null }] }, 5);
    t.chunk({ choices: [{ text: 'c', finish_reason: 'length' }] }, 9);
    const r = t.finish(10);
    expect(r.content).toBe('abc');
    expect(r.ttftMs).toBe(5);
    expect(r.itlMs).toEqual([4]);
  });

  it("counts tool-call deltas as generated tokens (the router's rule too) without adding them to the answer", () => {
    const t = new StreamTimer(0);
    const chunk = (delta: Record<string, unknown>) => ({ choices: [{ index: 0, delta, finish_reason: null }] });
    t.chunk(chunk({ role: 'assistant', content: '' }), 2);
    t.chunk(chunk({ tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }), 5);
    t.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city": "Paris"}' } }] }), 9);
    t.markDone();
    const r = t.finish(10);
    expect(r.ttftMs).toBe(5);
    expect(r.itlMs).toEqual([4]);
    expect(r.content).toBe('');
  });
});
