import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkScanner, type ScannedChunk } from '../../../src/client/http/chunk-scan.ts';
import { engineTtftOf, piecesOf, usageOf } from '../../../src/client/http/response-timing.ts';

/** What response-timing.ts reads from the chunk once JSON.parse has built it. */
function reference(text: string): ScannedChunk {
  const data = JSON.parse(text) as Record<string, unknown>;
  const p = piecesOf(data);
  return { content: p.content, reasoning: p.reasoning, tool: p.tool, finishReason: p.finishReason, usage: usageOf(data), engineTtftMs: engineTtftOf(data) };
}

function scan(text: string): ScannedChunk | null {
  const out: ScannedChunk = { content: 'x', reasoning: 'x', tool: true, finishReason: 'x', usage: null, engineTtftMs: 1 };
  const buf = Buffer.from(`  ${text}  `, 'utf8');
  return new ChunkScanner().scan(buf, 2, buf.length - 2, out) ? { ...out } : null;
}

const str = fc.string({ unit: fc.constantFrom('a', 'é', '🌍', '"', '\\', '\n', '\t', ' ', '\u0000', '\u2028', '/', '}', ':') });
/** A value of any JSON type: the reader must take a key with a value of the wrong type as absent. */
const junk = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), str, fc.constant([1, 'a']), fc.constant({ a: { b: [] } }));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(fc.oneof(arb, junk), { nil: undefined });
const num = fc.oneof(fc.nat(100_000), fc.double({ min: -1e15, max: 1e15, noNaN: true }), fc.constant(1e300));
const part = fc.record(
  {
    role: maybe(fc.constant('assistant')),
    content: maybe(str),
    reasoning_content: maybe(str),
    reasoning: maybe(str),
    tool_calls: maybe(fc.array(fc.oneof(junk, fc.record({ index: fc.nat(3), function: maybe(fc.record({ name: maybe(str), arguments: maybe(str) }, { requiredKeys: [] })) }, { requiredKeys: [] })), { maxLength: 3 })),
  },
  { requiredKeys: [] },
);
const choice = fc.record({ index: maybe(fc.nat(3)), delta: maybe(part), message: maybe(part), text: maybe(str), logprobs: maybe(fc.constant(null)), finish_reason: maybe(fc.constantFrom('stop', 'length', 'tool_calls')) }, { requiredKeys: [] });
const chunkArb = fc.record(
  {
    id: maybe(fc.constant('chatcmpl-1')),
    object: maybe(fc.constantFrom('chat.completion.chunk', 'text_completion')),
    created: maybe(fc.nat()),
    choices: maybe(fc.array(fc.oneof(choice, junk), { maxLength: 3 })),
    usage: maybe(fc.record({ prompt_tokens: maybe(num), completion_tokens: maybe(num), total_tokens: maybe(num), prompt_tokens_details: maybe(fc.record({ cached_tokens: maybe(num) }, { requiredKeys: [] })) }, { requiredKeys: [] })),
    nvext: maybe(
      fc.record(
        { timing: maybe(fc.record({ arrival_ms: maybe(num), first_token_ms: maybe(num) }, { requiredKeys: [] })), cached_tokens_by_medium: maybe(fc.record({ CPU: maybe(num), DISK: maybe(num) }, { requiredKeys: [] })), worker_id: maybe(junk) },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

describe('the chunk scanner', () => {
  it('reads the same pieces, finish reason, usage and engine TTFT as JSON.parse for generated chunks, compact or pretty-printed', () => {
    fc.assert(
      fc.property(chunkArb, fc.constantFrom(undefined, 1, '\t'), (chunk, indent) => {
        const text = JSON.stringify(chunk, null, indent);
        expect(scan(text)).toEqual(reference(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('takes a repeated key’s last value, as JSON.parse does', () => {
    const texts = [
      '{"choices":[{"delta":{"content":"a","content":"b"}}]}',
      '{"choices":[{"delta":{"content":"a"},"delta":{"reasoning":"r"}}]}',
      '{"choices":[{"delta":{"content":"a"}}],"choices":[]}',
      '{"usage":{"prompt_tokens":3},"usage":null}',
      '{"usage":{"prompt_tokens":3,"prompt_tokens_details":{"cached_tokens":2},"prompt_tokens_details":7}}',
      '{"nvext":{"timing":{"arrival_ms":1,"first_token_ms":5}},"nvext":{}}',
      '{"choices":[{"delta":{"tool_calls":[{"function":{"name":"f"}}],"tool_calls":[]}}]}',
      '{"choices":[{"delta":{"tool_calls":[{"function":{"name":"f"},"function":{"name":""}}]}}]}',
    ];
    for (const t of texts) expect(scan(t), t).toEqual(reference(t));
  });

  it('decodes escaped and multi-byte text as JSON.parse does', () => {
    const texts = ['{"choices":[{"delta":{"content":"\\"q\\" \\\\ \\n \\u00e9 \\ud83c\\udf0d \\/"}}]}', '{"choices":[{"text":"Héllo wörld ✓ 🌍"}]}'];
    for (const t of texts) expect(scan(t), t).toEqual(reference(t));
  });

  it('decodes invalid UTF-8 in a string as the previous decoder did (TextDecoder, then JSON.parse)', () => {
    const pre = Buffer.from('{"choices":[{"delta":{"content":"a');
    const post = Buffer.from('b"}}]}');
    const broken = [[0xff], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x8c], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0x80, 0x80], [0xe2, 0x28, 0xa1]];
    for (const seq of broken) {
      const buf = Buffer.concat([pre, Buffer.from(seq), post]);
      const out: ScannedChunk = { content: '', reasoning: '', tool: false, finishReason: null, usage: null, engineTtftMs: null };
      expect(new ChunkScanner().scan(buf, 0, buf.length, out)).toBe(true);
      expect(out).toEqual(reference(new TextDecoder().decode(buf)));
    }
  });

  it('declines error shapes, so the JSON.parse path reports them', () => {
    expect(scan('{"error":{"message":"engine died","type":"server_error","code":500}}')).toBeNull();
    expect(scan('{"error":"boom"}')).toBeNull();
    expect(scan('{"object":"error","message":"bad things"}')).toBeNull();
    expect(scan('{"object":"chat.completion.chunk","choices":[]}')).not.toBeNull();
  });

  it('declines every truncation or byte change of a chunk that JSON.parse rejects, and reads the others alike', () => {
    const base = JSON.stringify({
      id: 'c',
      choices: [{ index: 0, delta: { content: 'a "b" é', tool_calls: [{ function: { name: 'f', arguments: '{}' } }] }, finish_reason: null, logprobs: -1.5e-3 }],
      usage: { prompt_tokens: 12, prompt_tokens_details: { cached_tokens: 0 } },
      nvext: { timing: { arrival_ms: 1.5, first_token_ms: 20 }, flag: true },
    });
    const variants: string[] = [];
    for (let i = 0; i < base.length; i++) variants.push(base.slice(0, i));
    for (let i = 0; i < base.length; i++) for (const c of ['"', '\\', '{', '}', '[', ']', ',', ':', '0', '-', 'e', '.', ' ', 'x', '\u0001']) variants.push(base.slice(0, i) + c + base.slice(i + 1));
    for (const v of variants) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(v);
      } catch {
        expect(scan(v), v).toBeNull();
        continue;
      }
      const got = scan(v);
      if (got !== null && parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) expect(got, v).toEqual(reference(v));
    }
  });

  it('accepts the chunks of OpenAI-compatible servers (the fast path is the one taken)', () => {
    const mock =
      '{"id":"chatcmpl-worker-0-8","object":"chat.completion.chunk","created":1796290435,"model":"kvlab-mock","choices":[{"index":0,"delta":{"content":" space"},"logprobs":null,"finish_reason":"length"}],"nvext":{"timing":{"arrival_ms":1796290435106.547,"first_token_ms":1796290435123.5806}}}';
    expect(scan(mock)).toEqual({ content: ' space', reasoning: '', tool: false, finishReason: 'length', usage: null, engineTtftMs: 1796290435123.5806 - 1796290435106.547 });
  });
});
