import fc from 'fast-check';
import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { SseFramer } from '../../../src/client/http/sse-frames.ts';

type Ev = { data: string; event: string | undefined };

function frame(parts: Uint8Array[]): Ev[] {
  const out: Ev[] = [];
  const f = new SseFramer((buf, start, end, event) => out.push({ data: buf.toString('utf8', start, end), event }));
  for (const p of parts) f.push(p);
  f.end();
  return out;
}

/** The previous decoder: the stream decoded as UTF-8 text, then eventsource-parser (BOM dropped by the decoder). */
function reference(bytes: Uint8Array): Ev[] {
  const out: Ev[] = [];
  const p = createParser({ onEvent: (m) => out.push({ data: m.data, event: m.event }) });
  p.feed(new TextDecoder('utf-8').decode(bytes));
  p.feed('\n\n');
  return out;
}

const piece = fc.constantFrom('a', 'é', '🌍', ':', ' ', 'data', 'event', 'id', 'retry', '{"x":1}', '[DONE]', 'error');
const line = fc.oneof(
  fc.array(piece, { maxLength: 4 }).map((p) => `data: ${p.join('')}`),
  fc.array(piece, { maxLength: 4 }).map((p) => `data:${p.join('')}`),
  fc.constant('data'),
  fc.array(piece, { maxLength: 2 }).map((p) => `event: ${p.join('')}`),
  fc.constantFrom('event:', 'event', ': keep-alive', ':', 'id: 7', 'retry: 100', 'dat: x', 'data : x', 'datas: x', ''),
);
const eol = fc.constantFrom('\n', '\r\n', '\r');

describe('SSE framing from bytes', () => {
  it('frames generated streams like eventsource-parser over decoded text, however they are split', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.tuple(line, eol), { maxLength: 14 }), fc.array(fc.nat(), { maxLength: 6 }), (bom, lines, cuts) => {
        const all = Buffer.from((bom ? '\uFEFF' : '') + lines.map(([l, e]) => l + e).join(''), 'utf8');
        const bounds = [0, ...cuts.map((c) => c % (all.length + 1)).sort((a, b) => a - b), all.length];
        const parts = bounds.slice(1).map((end, i) => all.subarray(bounds[i], end));
        expect(frame(parts)).toEqual(reference(all));
      }),
      { numRuns: 1500 },
    );
  });

  it('hands over an event inside one read without copying it, and keeps one split across reads', () => {
    const seen: string[] = [];
    const read = Buffer.from('data: {"a":1}\n\ndata: {"b"');
    let sameMemory = false;
    const f = new SseFramer((buf, start, end) => {
      sameMemory ||= buf.buffer === read.buffer;
      seen.push(buf.toString('utf8', start, end));
    });
    f.push(read);
    expect(sameMemory).toBe(true);
    read.fill(0); // the reader's memory may be reused once the read is handed on
    f.push(Buffer.from(':2}\n\n'));
    expect(seen).toEqual(['{"a":1}', '{"b":2}']);
  });
});
