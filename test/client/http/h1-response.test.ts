import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { H1ProtocolError, H1ResponseReader, type H1Headers } from '../../../src/client/http/h1-response.ts';

interface Read {
  heads: { status: number; headers: H1Headers }[];
  body: string;
  ends: boolean[];
  reader: H1ResponseReader;
}

/** Feeds `parts` (the response's bytes as separate reads) to a reader and records what it hands over. */
function read(parts: (string | Buffer)[]): Read {
  const out: Read = { heads: [], body: '', ends: [], reader: null as unknown as H1ResponseReader };
  const chunks: Buffer[] = [];
  out.reader = new H1ResponseReader({
    head: (status, headers) => out.heads.push({ status, headers }),
    body: (buf, start, end) => chunks.push(Buffer.from(buf.subarray(start, end))),
    end: (keepAlive) => out.ends.push(keepAlive),
  });
  for (const p of parts) out.reader.push(typeof p === 'string' ? Buffer.from(p, 'utf8') : p);
  out.body = Buffer.concat(chunks).toString('utf8');
  return out;
}

/** Every split of `text` into reads at the given cut points. */
function cut(text: string, at: number[]): Buffer[] {
  const b = Buffer.from(text, 'utf8');
  const points = [...new Set(at.map((x) => x % (b.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(b.subarray(from, p));
    from = p;
  }
  out.push(b.subarray(from));
  return out.filter((x) => x.length > 0);
}

const SSE = 'data: {"a":"é"}\n\ndata: [DONE]\n\n';
const chunked = (pieces: string[], trailer = ''): string =>
  pieces.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('') + `0\r\n${trailer}\r\n`;
const CHUNKED_RESPONSE =
  'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nX-Kvlab-Worker: w1\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\ntransfer-encoding: chunked\r\n\r\n' +
  chunked(['data: {"a":"é"}\n\n', 'data: [DONE]\n\n']);

describe('H1ResponseReader', () => {
  it('reads a chunked answer: status, lower-cased headers (repeats as arrays), the body, and keeps the connection', () => {
    const r = read([CHUNKED_RESPONSE]);
    expect(r.heads).toEqual([{ status: 200, headers: { 'content-type': 'text/event-stream', 'x-kvlab-worker': 'w1', 'set-cookie': ['a=1', 'b=2'], 'transfer-encoding': 'chunked' } }]);
    expect(r.body).toBe(SSE);
    expect(r.ends).toEqual([true]);
  });

  it('hands over the same head, body and end however the bytes are split into reads', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (at) => {
        const r = read(cut(CHUNKED_RESPONSE, at));
        expect(r.heads.map((h) => h.status)).toEqual([200]);
        expect(r.heads[0].headers['x-kvlab-worker']).toBe('w1');
        expect(r.body).toBe(SSE);
        expect(r.ends).toEqual([true]);
      }),
      { numRuns: 400 },
    );
  });

  it('skips chunk extensions and trailer fields', () => {
    const text = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;name=v\r\nhello\r\n1 \r\n!\r\n0\r\nx-trailer: 1\r\n\r\n';
    const r = read(cut(text, [30, 52, 60]));
    expect(r.body).toBe('hello!');
    expect(r.ends).toEqual([true]);
  });

  it('reads a content-length body and ends exactly at its length', () => {
    const body = JSON.stringify({ error: { message: 'too long' } });
    const r = read([`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 7)}`, body.slice(7)]);
    expect(r.heads[0].status).toBe(400);
    expect(r.body).toBe(body);
    expect(r.ends).toEqual([true]);
    expect(r.reader.done).toBe(true);
  });

  it('skips interim 1xx responses', () => {
    const r = read(['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok']);
    expect(r.heads.map((h) => h.status)).toEqual([200]);
    expect(r.body).toBe('ok');
  });

  it('does not keep a connection the server closes or whose body runs until the close', () => {
    expect(read(['HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n']).ends).toEqual([false]);
    expect(read(['HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n']).ends).toEqual([false]);
    expect(read(['HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n']).ends).toEqual([true]);
    const r = read(['HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\ndata: 1\n\n']);
    expect(r.ends).toEqual([]);
    expect(r.reader.untilClose).toBe(true);
    expect(r.reader.close()).toBe(true);
    expect(r.body).toBe('data: 1\n\n');
    expect(r.ends).toEqual([false]);
  });

  it('says a response cut short by the close is not complete', () => {
    const r = read(['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel']);
    expect(r.reader.started).toBe(true);
    expect(r.reader.close()).toBe(false);
    expect(r.ends).toEqual([]);
    expect(read(['HTTP/1.1 200 OK\r\ncontent-le']).reader.close()).toBe(false);
  });

  it('refuses what it cannot frame: a bad status line, chunk size or content-length, bytes after the end', () => {
    expect(() => read(['HTTP/2 200\r\n\r\n'])).toThrow(H1ProtocolError);
    expect(() => read(['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'])).toThrow(/chunk size/);
    expect(() => read(['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabc\r\n'])).toThrow(/longer than its size/);
    expect(() => read(['HTTP/1.1 200 OK\r\ncontent-length: 1, 2\r\n\r\n'])).toThrow(/content-length/);
    expect(() => read(['HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nab'])).toThrow(/after the end/);
  });

  it('lets chunked framing win over a content-length, without reusing the connection', () => {
    const r = read(['HTTP/1.1 200 OK\r\ncontent-length: 99\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n']);
    expect(r.body).toBe('ok');
    expect(r.ends).toEqual([false]);
  });
});
