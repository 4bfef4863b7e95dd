import fc from 'fast-check';
import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { SseScanner, type ScannedEvent } from '../../../src/router-sim/server/sse-scan.ts';

type Facts = Omit<ScannedEvent, 'content' | 'text'> & { content: string | null; text: string | null };

/** Scan `chunks` (collecting text) and return a copy of every event's facts. */
function scan(chunks: Uint8Array[], collectText = true): Facts[] {
  const out: Facts[] = [];
  const s = new SseScanner((e) => out.push({ ...e }), collectText);
  for (const c of chunks) s.feed(c);
  return out;
}

const bytes = (s: string) => Buffer.from(s, 'utf8');
const ev = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'kvlab-mock',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: null, ...extra }],
});

/** A stream like the kvlab mocker's: role on the first chunk, finish reason, usage chunk, [DONE]. */
const MOCKER_STREAM =
  ev(chunk({ role: 'assistant', content: 'Héllo' })) +
  ev(chunk({ content: ' wörld 🌍' })) +
  ev(chunk({ reasoning_content: 'hmm' })) +
  ev(chunk({ content: '' })) +
  ev(chunk({ content: '"quoted" \\ and \n newline' }, { finish_reason: 'length' })) +
  ev({ id: 'chatcmpl-1', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13, completion_tokens_details: { reasoning_tokens: 1 } } }) +
  'data: [DONE]\n\n';

const EXPECTED: Facts[] = [
  { done: false, token: true, content: 'Héllo', text: null, finishReason: null, completionTokens: null },
  { done: false, token: true, content: ' wörld 🌍', text: null, finishReason: null, completionTokens: null },
  { done: false, token: true, content: null, text: null, finishReason: null, completionTokens: null },
  { done: false, token: false, content: '', text: null, finishReason: null, completionTokens: null },
  { done: false, token: true, content: '"quoted" \\ and \n newline', text: null, finishReason: 'length', completionTokens: null },
  { done: false, token: false, content: null, text: null, finishReason: null, completionTokens: 4 },
  { done: true, token: false, content: null, text: null, finishReason: null, completionTokens: null },
];

describe('SseScanner', () => {
  it('reads an OpenAI chat stream: tokens, decoded content, finish reason, usage, [DONE]', () => {
    expect(scan([bytes(MOCKER_STREAM)])).toEqual(EXPECTED);
  });

  it('gives the same events whatever byte the stream is split at (every 2-way split, and byte by byte)', () => {
    const all = bytes(MOCKER_STREAM);
    for (let at = 0; at <= all.length; at++) {
      expect(scan([all.subarray(0, at), all.subarray(at)]), `split at byte ${at}`).toEqual(EXPECTED);
    }
    expect(scan([...all].map((b) => Uint8Array.of(b)))).toEqual(EXPECTED);
  });

  it('finds every event of a chunk holding many, and none of an event still open at the end', () => {
    const many = Array.from({ length: 50 }, (_, i) => ev(chunk({ content: `t${i}` }))).join('');
    const facts = scan([bytes(many + 'data: {"choices":[{"delta":{"content":"unfinished"}}]}\n')]);
    expect(facts).toHaveLength(50);
    expect(facts.map((f) => f.content)).toEqual(Array.from({ length: 50 }, (_, i) => `t${i}`));
  });

  it('marks only data that is exactly [DONE] as the end marker', () => {
    const done = (s: string) => scan([bytes(s)]).map((f) => f.done);
    expect(done('data: [DONE]\n\n')).toEqual([true]);
    expect(done('data:[DONE]\n\n')).toEqual([true]);
    expect(done('data: [DONE] \n\n')).toEqual([false]);
    expect(done('data: [DONE]x\n\n')).toEqual([false]);
    expect(done('data: [DON\n\n')).toEqual([false]);
    expect(done('data: [DONE]\ndata: more\n\n')).toEqual([false]);
  });

  it('reports no token, text or finish reason for an error event, whatever its message says', () => {
    const err = { error: { message: 'worker "content": "x" failed, finish_reason "stop"', type: 'server_error', param: null, code: 'upstream_unavailable' } };
    expect(scan([bytes(ev(err))])).toEqual([{ done: false, token: false, content: null, text: null, finishReason: null, completionTokens: null }]);
  });

  it('recognises keys only: key names inside string values, or as values, count for nothing', () => {
    const facts = scan([bytes(ev({ object: 'text', note: '"content":"x","text":"y"', choices: [{ delta: { content: '\\"content\\":\\"z' } }] }))]);
    expect(facts[0]).toMatchObject({ token: true, content: '\\"content\\":\\"z', text: null });
    expect(scan([bytes(ev({ model: 'content', choices: [{ delta: { role: 'assistant' } }] }))])[0].token).toBe(false);
  });

  it('does not count empty, null or non-string content (logprobs arrays) as a token', () => {
    for (const delta of [{ content: '' }, { content: null }, { tool_calls: [{ index: 0, function: { arguments: '' } }] }, { role: 'assistant' }]) {
      expect(scan([bytes(ev(chunk(delta)))])[0].token, JSON.stringify(delta)).toBe(false);
    }
    const logprobs = { ...chunk({ content: null }), choices: [{ index: 0, delta: {}, logprobs: { content: [{ token: 'a', logprob: -1 }] } }] };
    expect(scan([bytes(ev(logprobs))])[0].token).toBe(false);
  });

  it('reads text completions (`text`) and whitespace the way a JSON parser does', () => {
    const s = 'data: { "choices" : [ { "text" :\t"abc" , "finish_reason" : "stop" } ] , "usage" : { "completion_tokens" : 12 } }\n\n';
    expect(scan([bytes(s)])).toEqual([{ done: false, token: true, content: null, text: 'abc', finishReason: 'stop', completionTokens: 12 }]);
  });

  it('accepts CRLF and CR line ends, comments, other fields, a BOM, and joins multi-line data with a newline', () => {
    const body = { choices: [{ delta: { content: 'x' }, finish_reason: 'stop' }] };
    const crlf = `\uFEFF: keep-alive\r\nevent: message\r\nid: 7\r\ndata: ${JSON.stringify(body)}\r\n\r\n`;
    const cr = `data: ${JSON.stringify(body)}\r\r`;
    const multi = `data: {"choices":[{"delta":\ndata: {"content":"x"},\ndata:  "finish_reason":"stop"}]}\n\n`;
    for (const s of [crlf, cr, multi]) {
      const all = bytes(s);
      for (let at = 0; at <= all.length; at++) {
        expect(scan([all.subarray(0, at), all.subarray(at)]), JSON.stringify(s)).toEqual([{ done: false, token: true, content: 'x', text: null, finishReason: 'stop', completionTokens: null }]);
      }
    }
    // A line "data" without a colon is an empty data line: the event exists, with nothing in it.
    expect(scan([bytes('data\n\n')])).toEqual([{ done: false, token: false, content: null, text: null, finishReason: null, completionTokens: null }]);
    // Fields that only look like data are skipped.
    expect(scan([bytes('datum: {"content":"x"}\n\ndat: {"content":"x"}\n\n')])).toEqual([]);
  });

  it('keeps no text unless asked, but still sees tokens and the finish reason', () => {
    expect(scan([bytes(MOCKER_STREAM)], false)).toEqual(EXPECTED.map((f) => ({ ...f, content: null, text: null })));
  });

  it('ignores usage counts that are not non-negative integers', () => {
    for (const n of ['-1', '1.5', '"7"', 'null', '1e400']) {
      expect(scan([bytes(`data: {"usage":{"completion_tokens":${n}}}\n\n`)])[0].completionTokens, n).toBeNull();
    }
    expect(scan([bytes('data: {"usage":{"completion_tokens":1e2}}\n\n')])[0].completionTokens).toBe(100);
  });
});

/** The reference: a spec-complete SSE parser and JSON.parse of each event (choices[0] and usage only). */
function reference(stream: string): Facts[] {
  const out: Facts[] = [];
  const p = createParser({
    onEvent(e) {
      const f: Facts = { done: e.data === '[DONE]', token: false, content: null, text: null, finishReason: null, completionTokens: null };
      if (!f.done) {
        const j = JSON.parse(e.data) as { choices: { delta: Record<string, unknown>; text?: unknown; finish_reason: unknown }[]; usage?: { completion_tokens: number } };
        const c = j.choices[0];
        if (c) {
          if (typeof c.delta?.content === 'string') f.content = c.delta.content;
          if (typeof c.text === 'string') f.text = c.text;
          f.token = [c.delta?.content, c.delta?.reasoning_content, c.text].some((v) => typeof v === 'string' && v !== '');
          if (typeof c.finish_reason === 'string') f.finishReason = c.finish_reason;
        }
        if (j.usage) f.completionTokens = j.usage.completion_tokens;
      }
      out.push(f);
    },
  });
  p.feed(stream);
  p.feed('\n'); // a stream's last CR may still be half of a CRLF: the parser waits for the next byte
  return out;
}

const text = fc.string({ unit: fc.constantFrom('a', 'é', '🌍', '"', '\\', '\n', '\t', ' ', '\u0000', '\u2028', 'content', 'text', ':', '{', '}') });
const eventArb = fc.oneof(
  fc.record({ role: fc.constantFrom('assistant', undefined), content: fc.option(text), reasoning_content: fc.option(text, { nil: undefined }) }).map((d) => ({ kind: 'chat' as const, d })),
  text.map((t) => ({ kind: 'text' as const, t })),
  fc.nat(100_000).map((n) => ({ kind: 'usage' as const, n })),
);

describe('SseScanner against a reference parser', () => {
  it('agrees with eventsource-parser + JSON.parse on generated streams, however they are framed and split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(eventArb, fc.option(fc.constantFrom('stop', 'length', 'tool_calls'))), { maxLength: 8 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 6 }),
        (events, eol, pretty, cuts) => {
          let stream = '';
          for (const [e, finish] of events) {
            const body =
              e.kind === 'chat'
                ? { choices: [{ index: 0, delta: e.d, finish_reason: finish }] }
                : e.kind === 'text'
                  ? { object: 'text_completion', choices: [{ index: 0, text: e.t, finish_reason: finish }] }
                  : { choices: [], usage: { prompt_tokens: 1, completion_tokens: e.n } };
            // Pretty-printed JSON spreads one event over several data lines.
            const lines = JSON.stringify(body, null, pretty ? 1 : undefined).split('\n');
            stream += lines.map((l) => `data: ${l}${eol}`).join('') + eol;
          }
          stream += `data: [DONE]${eol}${eol}`;
          const all = bytes(stream);
          const bounds = [0, ...cuts.map((c) => c % (all.length + 1)).sort((a, b) => a - b), all.length];
          const parts = bounds.slice(1).map((end, i) => all.subarray(bounds[i], end));
          expect(scan(parts)).toEqual(reference(stream));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the rules the router shares with the client', () => {
  it('counts a final event that lacks its closing blank line once the stream ends', () => {
    const out: Facts[] = [];
    const s = new SseScanner((e) => out.push({ ...e }), true);
    s.feed(bytes(ev(chunk({ content: 'a' })) + `data: ${JSON.stringify(chunk({ content: 'b' }, { finish_reason: 'stop' }))}`));
    expect(out).toHaveLength(1);
    s.end();
    expect(out).toHaveLength(2);
    expect(out[1]).toMatchObject({ token: true, content: 'b', finishReason: 'stop' });
  });

  it('counts reasoning under either name and tool-call names and arguments as generated tokens', () => {
    const out = scan([
      bytes(
        ev(chunk({ reasoning: 'think' })) +
          ev(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] })) +
          ev(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city": "Paris"}' } }] })) +
          ev(chunk({ tool_calls: [{ index: 0, function: { arguments: '' } }] })),
      ),
    ]);
    expect(out.map((e) => e.token)).toEqual([true, true, true, false]);
    expect(out.every((e) => e.content === null)).toBe(true);
  });
});
