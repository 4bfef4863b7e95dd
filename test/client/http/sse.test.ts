import { describe, expect, it } from 'vitest';
import { StreamTimer } from '../../../src/client/http/response-timing.ts';
import { createChunkDecoder, createSseDecoder, decodeSse, type SseItem } from '../../../src/client/http/sse.ts';
import { DYNAMO, FLAT_ERROR, MID_STREAM_ERROR, OPENAI, REASONING, SGLANG, VLLM } from './fixtures.ts';

/** A stream timer fed each event at its own time (1 ms apart): by the JSON.parse decoder, or the transport's byte-scanning one. */
function timed(parts: Uint8Array[], scanning: boolean) {
  const t = new StreamTimer(0);
  let at = 0;
  const item = (i: SseItem): void => {
    at++;
    if (i.kind === 'chunk') t.chunk(i.data, at);
    else if (i.kind === 'done') t.markDone();
    else t.fail(i.error);
  };
  const d = scanning ? createChunkDecoder({ scanned: (c) => t.scanned(c, ++at), item }) : createSseDecoder(item);
  for (const p of parts) d.push(p);
  d.end();
  return t.finish(at + 1);
}

const FIXTURES = { VLLM, SGLANG, DYNAMO, OPENAI, REASONING, MID_STREAM_ERROR };

function decodeBytes(parts: Uint8Array[]): SseItem[] {
  return decodeSse(parts);
}

describe('SSE decoder', () => {
  it.each(Object.entries(FIXTURES))('decodes %s identically when split at every byte boundary', (_name, text) => {
    const bytes = Buffer.from(text, 'utf8');
    const whole = decodeBytes([bytes]);
    expect(whole.length).toBeGreaterThan(1);
    for (let i = 1; i < bytes.length; i++) {
      expect(decodeBytes([bytes.subarray(0, i), bytes.subarray(i)])).toEqual(whole);
    }
    // One byte per read as well (multi-byte characters split everywhere).
    expect(decodeBytes([...bytes].map((b) => Uint8Array.of(b)))).toEqual(whole);
  });

  it('yields chunks, then [DONE], skipping comments and keep-alives', () => {
    const items = decodeSse([DYNAMO]);
    expect(items.map((i) => i.kind)).toEqual(['chunk', 'chunk', 'chunk', 'done']);
  });

  it('keeps multi-byte characters intact across reads', () => {
    const items = decodeSse([VLLM]);
    const texts = items.flatMap((i) => (i.kind === 'chunk' ? [(i.data.choices as { delta: { content?: string } }[])[0]?.delta?.content ?? ''] : []));
    expect(texts.join('')).toBe('Héllo wörld ✓');
  });

  it('handles CRLF line endings', () => {
    expect(decodeSse([SGLANG]).map((i) => i.kind)).toEqual(['chunk', 'chunk', 'chunk', 'done']);
  });

  it('decodes several events delivered in one read', () => {
    const dec: SseItem[] = [];
    const d = createSseDecoder((i) => dec.push(i));
    d.push(OPENAI);
    expect(dec).toHaveLength(5);
  });

  it('reports an error object in the middle of a stream', () => {
    const items = decodeSse([MID_STREAM_ERROR]);
    expect(items[1]).toEqual({ kind: 'error', error: { message: 'engine died', type: 'server_error', code: 500 } });
    expect(items[2]).toEqual({ kind: 'done' });
  });

  it("reports vLLM's flat error object", () => {
    expect(decodeSse([FLAT_ERROR])).toEqual([{ kind: 'error', error: { message: 'bad things', type: 'BadRequestError', code: 400 } }]);
  });

  it('reports malformed data as an error instead of throwing', () => {
    const items = decodeSse(['data: {"choices": [\n\n']);
    expect(items).toHaveLength(1);
    expect(items[0].kind).toBe('error');
  });

  it('reports an `event: error` message', () => {
    const items = decodeSse(['event: error\ndata: upstream went away\n\n']);
    expect(items).toEqual([{ kind: 'error', error: { message: 'upstream went away', type: null, code: null } }]);
  });

  it('dispatches a last event that lacks its blank line at end of stream', () => {
    expect(decodeSse(['data: {"a":1}\n\ndata: [DONE]'])).toEqual([{ kind: 'chunk', data: { a: 1 } }, { kind: 'done' }]);
  });

  it.each(Object.entries({ ...FIXTURES, FLAT_ERROR }))(
    "the transport's byte-scanning decoder gives the stream timer what the JSON.parse decoder gives it (%s, split at every byte)",
    (_name, text) => {
      const bytes = Buffer.from(text, 'utf8');
      const want = timed([bytes], false);
      for (let i = 0; i <= bytes.length; i++) expect(timed([bytes.subarray(0, i), bytes.subarray(i)], true)).toEqual(want);
    },
  );
});
