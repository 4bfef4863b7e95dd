/**
 * The proxy on real loopback sockets, with hand-written upstreams (node:http) whose bytes and framing
 * the test controls: the answer reaches the client byte for byte however the worker splits it, and a
 * 5xx before any byte is drained and retried on the other worker.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockHashes } from '../../../src/core/block-hash.ts';
import { ChatTokenizer } from '../../../src/core/chat-template.ts';
import { unpackTokenIds, workerCapability } from '../../../src/core/preprocessed.ts';
import { startRouter, type RunningRouter } from '../../../src/router-sim/index.ts';
import { metricValues, waitFor } from '../helpers.ts';

const servers: Server[] = [];
const routers: RunningRouter[] = [];

/** A hand-written upstream: `GET /health` answers as a plain OpenAI server would; `handle` gets the rest. */
async function upstream(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handle(req, res, body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function router(workers: string[]): Promise<RunningRouter> {
  const r = await startRouter({ workers, mode: 'round-robin', port: 0, downForMs: 60_000 });
  routers.push(r);
  return r;
}

afterAll(async () => {
  for (const r of routers) await r.close();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

const event = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
const STREAM =
  event({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: 'Grüß' }, finish_reason: null }] }) +
  ': a comment the proxy must keep\n\n' +
  event({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: ' 🌍' }, finish_reason: 'stop' }] }) +
  'data: [DONE]\n\n';
const request = { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true };

async function post(url: string): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe('router proxy on the wire', () => {
  let seen: string[] = [];
  let r: RunningRouter;
  beforeAll(async () => {
    // Writes the stream in pieces cut through events, keys and multi-byte characters, one per tick.
    const url = await upstream((_req, res, body) => {
      seen.push(body);
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'x-kvlab-worker': 'engine-7', 'cache-control': 'no-cache' });
      const bytes = Buffer.from(STREAM);
      const cuts = [0, 3, 17, 40, 41, bytes.indexOf(0xc3) + 1, bytes.indexOf(0xf0) + 2, bytes.length - 5, bytes.length];
      let i = 0;
      const next = (): void => {
        if (i === cuts.length - 1) {
          res.end();
          return;
        }
        res.write(bytes.subarray(cuts[i], cuts[i + 1]));
        i++;
        setImmediate(next);
      };
      next();
    });
    r = await router([url]);
  });

  it('relays the answer byte for byte with the router headers, forwards the body as sent, and frees the request', async () => {
    seen = [];
    for (let k = 0; k < 3; k++) {
      const res = await post(r.url);
      expect(res.status).toBe(200);
      expect(res.body.equals(Buffer.from(STREAM))).toBe(true);
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('x-kvlab-worker')).toBe('worker-0');
      expect(res.headers.get('x-kvlab-upstream-worker')).toBe('engine-7');
    }
    expect(seen).toEqual(Array(3).fill(JSON.stringify(request)));
    await waitFor(() => r.state.core.tracker.size === 0, 'the router to free the requests');
    const metrics = await (await fetch(`${r.url}/metrics`)).text();
    expect(metricValues(metrics, 'kvlab_router_requests_total').get('{worker="worker-0",mode="round-robin"}')).toBe(3);
  });
});

describe('router proxy: a 5xx before any byte', () => {
  it('drains it, marks that worker down and answers from the other one', async () => {
    let failing = 0;
    const bad = await upstream((_req, res) => {
      failing++;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'overloaded', type: 'server_error', param: null, code: null } }));
    });
    const good = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(STREAM);
    });
    const r = await router([bad, good]);
    const res = await post(r.url);
    expect([res.status, res.headers.get('x-kvlab-worker'), res.body.toString()]).toEqual([200, 'worker-1', STREAM]);
    expect(failing).toBe(1);
    expect(r.state.core.isUp(0)).toBe(false);
    const metrics = await (await fetch(`${r.url}/metrics`)).text();
    expect(metricValues(metrics, 'kvlab_router_retries_total').get('')).toBe(1);
    // When the retry fails too, its 5xx is the client's answer, as the worker sent it.
    const both = await router([bad, bad]);
    const relayed = await post(both.url);
    expect([relayed.status, relayed.headers.get('x-kvlab-worker')]).toEqual([503, 'worker-1']);
    expect(JSON.parse(relayed.body.toString()).error.message).toBe('overloaded');
    expect(failing).toBe(3);
    await waitFor(() => both.state.core.tracker.size === 0 && r.state.core.tracker.size === 0, 'the router to free the requests');
  });
});

describe('router proxy: what a kvlab worker is sent', () => {
  const BS = 4;
  const body = { model: 'm', messages: [{ role: 'user', content: 'the quick brown fox jumps over the lazy dog' }], stream: true, user: 'u1', nvext: { ignore_eos: true } };
  const tokens = new ChatTokenizer().encodeChat([{ role: 'user', content: body.messages[0].content }]);

  /** An upstream whose /health advertises `capability` (plain when null); records the bodies it gets. */
  async function kvlabUpstream(capability: object | null, seenBodies: string[]): Promise<string> {
    const server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => {
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(capability === null ? { status: 'ok' } : { status: 'ok', kvlab: capability }));
          return;
        }
        seenBodies.push(text);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(STREAM);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function send(capability: object | null, preprocess: boolean): Promise<Record<string, unknown>> {
    const seenBodies: string[] = [];
    const r = await startRouter({ workers: [await kvlabUpstream(capability, seenBodies)], mode: 'round-robin', port: 0, blockSize: BS, preprocess });
    routers.push(r);
    await r.state.pool.ready(5000);
    const res = await fetch(`${r.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe(STREAM);
    expect(seenBodies).toHaveLength(1);
    return JSON.parse(seenBodies[0]) as Record<string, unknown>;
  }

  it('a kvlab worker gets the token ids and block hashes instead of the messages, every other field as sent', async () => {
    const sent = await send(workerCapability(BS, false), true);
    expect(sent.messages).toBeUndefined();
    expect(sent).toMatchObject({ model: 'm', stream: true, user: 'u1', nvext: { ignore_eos: true } });
    const p = sent.kvlab_prompt as { tokens: number; block_size: number; block_hashes: number[]; token_ids: string };
    expect({ ...p, token_ids: unpackTokenIds(p.token_ids) }).toEqual({ tokens: tokens.length, block_size: BS, block_hashes: blockHashes(tokens, BS), token_ids: tokens });
  });

  it('a hash-only kvlab worker gets only the ids after the last full block', async () => {
    const sent = await send(workerCapability(BS, true), true);
    const p = sent.kvlab_prompt as { token_ids: string };
    expect(unpackTokenIds(p.token_ids)).toEqual(tokens.slice(Math.floor(tokens.length / BS) * BS));
  });

  it('any other server, another block size, or preprocess off: the body exactly as the client sent it', async () => {
    expect(await send(null, true)).toEqual(body);
    expect(await send(workerCapability(BS * 2, false), true)).toEqual(body);
    expect(await send(workerCapability(BS, false), false)).toEqual(body);
  });
});
