import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAgent, createTransport } from '../../../src/client/http/transport.ts';
import { ClientAgent } from '../../../src/client/http/client-agent.ts';
import { VLLM } from './fixtures.ts';

interface Hit {
  port: number;
  body: string;
  headers: IncomingMessage['headers'];
}

let server: Server;
let url = '';
const hits: Hit[] = [];
let handle: (req: IncomingMessage, res: ServerResponse, n: number) => void = () => {};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      hits.push({ port: req.socket.remotePort ?? 0, body, headers: req.headers });
      handle(req, res, hits.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const sse = (res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'x-kvlab-worker': 'w0' });
  res.write(VLLM.slice(0, 40));
  res.end(VLLM.slice(40));
};
const chat = { model: 'm', messages: [{ role: 'user', content: 'héllo "there"' }], maxTokens: 3 };

describe('the client agent (own HTTP/1.1 connections)', () => {
  it('is what the transport uses by default', () => {
    expect(createAgent()).toBeInstanceOf(ClientAgent);
  });

  it('sends requests one after another on one kept-alive connection, each answer read whole', async () => {
    handle = (_req, res) => sse(res);
    const t = createTransport({ baseUrl: url, headers: { authorization: 'Bearer k' } });
    const n0 = hits.length;
    for (let i = 0; i < 3; i++) {
      expect(await t.sendChat(chat)).toMatchObject({ ok: true, status: 200, worker: 'w0', content: 'Héllo wörld ✓', inputTokens: 12, cachedTokens: 8 });
    }
    await t.close();
    const mine = hits.slice(n0);
    expect(new Set(mine.map((h) => h.port)).size).toBe(1);
    expect(JSON.parse(mine[0].body).messages).toEqual(chat.messages);
    expect(mine[0].headers).toMatchObject({ authorization: 'Bearer k', 'content-type': 'application/json', accept: 'text/event-stream', connection: 'keep-alive' });
    expect(Number(mine[0].headers['content-length'])).toBe(Buffer.byteLength(mine[0].body));
  });

  it('does not reuse a connection whose Keep-Alive timeout is within a second of running out', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'keep-alive': 'timeout=1' });
      res.end(VLLM);
    };
    const t = createTransport({ baseUrl: url });
    const n0 = hits.length;
    expect((await t.sendChat(chat)).ok).toBe(true);
    expect((await t.sendChat(chat)).ok).toBe(true);
    await t.close();
    const mine = hits.slice(n0);
    expect(mine[1].port).not.toBe(mine[0].port);
  });

  it('opens a connection per request in flight', async () => {
    const waiting: ServerResponse[] = [];
    handle = (_req, res) => {
      waiting.push(res);
      if (waiting.length === 3) for (const r of waiting) sse(r);
    };
    const t = createTransport({ baseUrl: url });
    const n0 = hits.length;
    const rs = await Promise.all([t.sendChat(chat), t.sendChat(chat), t.sendChat(chat)]);
    await t.close();
    expect(rs.every((r) => r.ok)).toBe(true);
    expect(new Set(hits.slice(n0).map((h) => h.port)).size).toBe(3);
  });

  it('sends a request again on a new connection when a reused one is closed before any answer', async () => {
    const t = createTransport({ baseUrl: url });
    handle = (_req, res) => sse(res);
    const n0 = hits.length;
    expect((await t.sendChat(chat)).ok).toBe(true);
    // The server drops the kept connection as the next request arrives on it.
    handle = (req, res, n) => (n === n0 + 2 ? req.socket.destroy() : sse(res));
    const r = await t.sendChat(chat);
    await t.close();
    expect(r).toMatchObject({ ok: true, retries: 0 });
    const mine = hits.slice(n0);
    expect(mine).toHaveLength(3);
    expect(mine[1].port).toBe(mine[0].port);
    expect(mine[2].port).not.toBe(mine[0].port);
  });

  it('fails a request whose new connection closes before the answer, as a retryable connection error', async () => {
    handle = (req) => req.socket.destroy();
    const t = createTransport({ baseUrl: url, maxRetries: 1, backoff: { baseMs: 1, factor: 1, maxMs: 1, jitter: 0 } });
    const r = await t.sendChat(chat);
    await t.close();
    expect(r).toMatchObject({ ok: false, failure: 'connection', retries: 1 });
  });

  it('reads a content-length error answer and keeps the connection for the next request', async () => {
    const t = createTransport({ baseUrl: url });
    const n0 = hits.length;
    handle = (_req, res, n) => {
      if (n === n0 + 1) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'prompt too long', type: 'invalid_request_error' } }));
      } else sse(res);
    };
    expect(await t.sendChat(chat)).toMatchObject({ ok: false, status: 400, failure: 'http', error: 'HTTP 400: prompt too long' });
    expect((await t.sendChat(chat)).ok).toBe(true);
    await t.close();
    const mine = hits.slice(n0);
    expect(mine[1].port).toBe(mine[0].port);
  });

  it('drops the connection of an aborted answer; the next request opens a new one', async () => {
    const t = createTransport({ baseUrl: url });
    const n0 = hits.length;
    const ac = new AbortController();
    handle = (_req, res, n) => {
      if (n === n0 + 1) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(VLLM.slice(0, 40));
        ac.abort();
      } else sse(res);
    };
    expect(await t.sendChat({ ...chat, signal: ac.signal })).toMatchObject({ ok: false, failure: 'aborted' });
    expect((await t.sendChat(chat)).ok).toBe(true);
    await t.close();
    const mine = hits.slice(n0);
    expect(mine[1].port).not.toBe(mine[0].port);
  });

  it('reads an answer that runs until the server closes the connection', async () => {
    handle = (_req, res) => {
      // No chunked framing, no length: the body ends with the connection.
      res.useChunkedEncodingByDefault = false;
      res.writeHead(200, { 'content-type': 'text/event-stream', connection: 'close' });
      res.end(VLLM);
    };
    const t = createTransport({ baseUrl: url });
    const r = await t.sendChat(chat);
    await t.close();
    expect(r).toMatchObject({ ok: true, content: 'Héllo wörld ✓' });
  });

  it('close waits for an answer in flight, then closes its connection', async () => {
    let answer: () => void = () => {};
    handle = (_req, res) => (answer = () => sse(res));
    const agent = createAgent();
    const t = createTransport({ baseUrl: url, dispatcher: agent });
    const n0 = hits.length;
    const r = t.sendChat(chat);
    while (hits.length === n0) await new Promise((resolve) => setImmediate(resolve));
    let closed = false;
    const closing = agent.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    answer();
    expect((await r).ok).toBe(true);
    await closing;
    expect(closed).toBe(true);
  });
});
