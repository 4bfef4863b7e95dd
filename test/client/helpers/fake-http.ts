/**
 * A tiny node:http server on 127.0.0.1, port 0, whose behaviour each test sets (`handle`). Logs
 * every request's method, URL, headers and JSON body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | null;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Record<string, unknown> | null, n: number) => void | Promise<void>;

export interface FakeHttp {
  url: string;
  seen: Seen[];
  handle: Handler;
  close(): Promise<void>;
}

export async function startFakeHttp(): Promise<FakeHttp> {
  const fake: FakeHttp = {
    url: '',
    seen: [],
    handle: (_req, res) => {
      res.statusCode = 404;
      res.end();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      let body: Record<string, unknown> | null = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = null;
      }
      fake.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      void fake.handle(req, res, body, fake.seen.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = fake.close;
  fake.close = async () => {
    server.closeAllConnections();
    await close();
  };
  return fake;
}

/** Answer with an SSE stream of `text`, in the given pieces. */
export function sse(res: ServerResponse, pieces: string[], headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', ...headers });
  for (const p of pieces) res.write(p);
  res.end();
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
