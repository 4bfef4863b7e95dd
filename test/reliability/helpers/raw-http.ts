/**
 * A raw HTTP/1.1 exchange over a TCP socket, for what fetch cannot do: announce a body and send only
 * part of it (to see a server answer before it has the body), or send it chunked without a length.
 */
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Body bytes the client had written when the answer's status line arrived. */
  sentWhenAnswered: number;
}

/**
 * Send `head` (request line and headers, without the blank line), then `chunks` one at a time (every
 * `intervalMs`) until the server answers; resolve with the answer once the server closes or the body is complete.
 */
export function rawExchange(url: string, head: string, chunks: Buffer[], opts: { keepSending?: boolean; intervalMs?: number } = {}): Promise<RawAnswer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    let received = Buffer.alloc(0);
    let sent = 0;
    let answeredAt: number | null = null;
    let done = false;
    const finish = (): void => {
      if (done) return;
      const text = received.toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return;
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const body = text.slice(split + 4);
      const length = headers['content-length'] !== undefined ? Number(headers['content-length']) : null;
      if (length !== null && Buffer.byteLength(body) < length && !socket.destroyed) return;
      done = true;
      socket.destroy();
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: length === null ? body : body.slice(0, length), sentWhenAnswered: answeredAt ?? sent });
    };
    socket.on('data', (d: Buffer) => {
      if (answeredAt === null) answeredAt = sent;
      received = Buffer.concat([received, d]);
      finish();
    });
    socket.on('close', () => {
      finish();
      if (!done) reject(new Error(`connection closed without an answer (${received.length} bytes received, ${sent} sent)`));
    });
    socket.on('error', () => {
      /* a server that answers early and closes may reset the rest of the upload */
    });
    socket.on('connect', () => {
      socket.write(`${head}\r\n\r\n`);
      let i = 0;
      const next = (): void => {
        if (done || socket.destroyed || answeredAt !== null) return;
        if (i >= chunks.length) return;
        socket.write(chunks[i]);
        sent += chunks[i].length;
        i++;
        // Pacing lets the server read each write before the next: a server that answers and closes
        // with unread bytes resets the connection, and the client may lose the answer.
        if (opts.keepSending !== false) setTimeout(next, opts.intervalMs ?? 0);
      };
      next();
    });
  });
}
