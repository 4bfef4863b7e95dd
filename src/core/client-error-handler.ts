/**
 * Shared by the mock workers and the router (the only HTTP-edge helper in core besides api-key.ts).
 * Connection-level client errors — request headers over Node's 16 KB limit (431), a request that timed
 * out before its headers ended (408), a malformed request line or header (400) — answered with an
 * OpenAI error body. Node's HTTP parser raises them before fastify routes anything, and fastify's
 * default handler writes its own JSON shape straight to the socket; this writes ours, then closes.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { makeError, toErrorBody } from './errors.ts';

export function clientErrorHandler(extraHeaders: Readonly<Record<string, string>> = {}): (err: Error & { code?: string }, socket: Socket) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const detail = status === 431 ? 'request headers are too large' : status === 408 ? 'request timed out' : `malformed HTTP request (${err.code ?? 'parse error'})`;
    const body = JSON.stringify(toErrorBody(makeError('invalid_request', { detail }, { status })));
    const headers = Object.entries(extraHeaders).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `${headers}Connection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
