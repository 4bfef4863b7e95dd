/**
 * The transport's own HTTP/1.1 connections for its requests to plain-HTTP servers: kept-alive
 * sockets per origin (as many as requests in flight, idle ones reused last-in first-out), each request
 * written with one writev (its head and body handed to the socket together), each answer read
 * from the socket's 'data' reads by h1-response.ts and handed to the attempt's undici-style handler
 * (onRequestStart / onResponseStart / onResponseData / onResponseEnd / onResponseError) as ranges of
 * those reads. It replaces, for these requests only, undici's request queue, its WebAssembly parser
 * and the readable-stream reads under it — the larger part of the client's CPU per request once the
 * body is written from token ids (bench/suites/serving-path.ts). Which requests come here is
 * client-agent.ts's choice.
 *
 * Reuse: an idle socket is dropped when the server closes it, when its `Keep-Alive: timeout` is
 * within a second of running out (as undici does), or when it sends bytes while idle. A request that
 * a reused socket loses before any byte of the answer (the server closed it as it was being reused)
 * is sent again once on a new connection; a new connection's failure is the attempt's (a connection
 * error, code ECONNRESET/ECONNREFUSED/..., retried by the transport's policy).
 */
import { connect, type Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import { H1ResponseReader, type H1Headers, type H1ResponseSink } from './h1-response.ts';

/** A socket that closed under a request (undici's SocketError code: a connection error, retryable before the answer starts). */
function closedError(message: string): Error {
  return Object.assign(new Error(message), { code: 'UND_ERR_SOCKET' });
}

const CONNECT_TIMEOUT_MS = 10_000;

class Controller implements Dispatcher.DispatchController {
  aborted = false;
  reason: Error | null = null;
  paused = false;
  constructor(private readonly onAbort: (reason: Error) => void) {}
  abort(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.onAbort(reason);
  }
  pause(): void {
    // Answers are read as they come (the transport never pauses).
  }
  resume(): void {}
}

/** One request on its way: written, then answered, on one connection. */
class Exchange {
  readonly controller: Controller;
  conn: Conn | null = null;
  /** Sent again once already (a reused socket lost it). */
  resent = false;
  done = false;

  constructor(
    readonly origin: H1Origin,
    readonly head: string,
    readonly body: Buffer | string,
    readonly handler: Dispatcher.DispatchHandler,
  ) {
    this.controller = new Controller(() => this.abort());
  }

  private abort(): void {
    if (this.done) return;
    this.done = true;
    // Mid-answer: the connection cannot carry another request.
    this.conn?.destroy();
  }

  fail(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.handler.onResponseError?.(this.controller, err);
  }
}

class Conn implements H1ResponseSink {
  readonly socket: Socket;
  private readonly reader = new H1ResponseReader(this);
  exchange: Exchange | null = null;
  /** Requests this connection carried (a reused one may have been closed by the server meanwhile). */
  uses = 0;
  /** Bytes of the current answer seen (none: the request may be resent). */
  private answered = false;
  /** When an idle socket stops being reused (the server's Keep-Alive timeout less a second). */
  expiresAt = Infinity;
  private closed = false;

  constructor(readonly origin: H1Origin) {
    const s = connect({ host: origin.host, port: origin.port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 });
    this.socket = s;
    // A connection not made within 10 s fails as undici's would (UND_ERR_CONNECT_TIMEOUT: retryable).
    s.setTimeout(CONNECT_TIMEOUT_MS, () => s.destroy(Object.assign(new Error(`connect timeout after ${CONNECT_TIMEOUT_MS} ms`), { code: 'UND_ERR_CONNECT_TIMEOUT' })));
    s.once('connect', () => s.setTimeout(0));
    s.on('data', (b: Buffer) => this.onData(b));
    s.on('error', (err) => this.onClose(err));
    s.on('close', () => this.onClose(null));
  }

  send(x: Exchange): void {
    this.exchange = x;
    this.answered = false;
    this.uses++;
    x.conn = this;
    this.reader.reset();
    const s = this.socket;
    if (this.uses > 1) s.ref();
    // One writev: the head in latin1 (as undici writes header values), the body as it is (a string in UTF-8).
    s.cork();
    s.write(x.head, 'latin1');
    s.write(x.body, 'utf8');
    s.uncork();
  }

  head(status: number, headers: H1Headers): void {
    const ex = this.exchange;
    if (!ex || ex.done) return;
    const ka = headers['keep-alive'];
    const m = typeof ka === 'string' ? /timeout=(\d+)/i.exec(ka) : null;
    this.expiresAt = m ? performance.now() + Number(m[1]) * 1000 - 1000 : Infinity;
    ex.handler.onResponseStart?.(ex.controller, status, headers, '');
  }

  body(buf: Buffer, start: number, end: number): void {
    const ex = this.exchange;
    if (ex && !ex.done) ex.handler.onResponseData?.(ex.controller, start === 0 && end === buf.length ? buf : buf.subarray(start, end));
  }

  end(keepAlive: boolean): void {
    const ex = this.exchange;
    this.exchange = null;
    if (keepAlive) this.origin.release(this);
    else this.destroy();
    if (ex && !ex.done) {
      ex.done = true;
      ex.handler.onResponseEnd?.(ex.controller, {});
    }
  }

  private onData(b: Buffer): void {
    const ex = this.exchange;
    if (!ex || ex.done) {
      // Bytes on an idle connection: not an answer to anything (never reuse it).
      this.destroy();
      return;
    }
    this.answered = true;
    try {
      this.reader.push(b);
    } catch (err) {
      this.destroy();
      ex.fail(err as Error);
    }
  }

  private onClose(err: Error | null): void {
    if (this.closed) return;
    this.closed = true;
    this.origin.forget(this);
    const ex = this.exchange;
    if (!ex || ex.done) {
      this.exchange = null;
      this.socket.destroy();
      return;
    }
    if (this.reader.close()) return; // a body that ran until the close is complete (end() ran)
    this.exchange = null;
    this.socket.destroy();
    // A reused socket the server closed as it was reused: the request never reached it; once more on a new one.
    if (!this.answered && this.uses > 1 && !ex.resent) {
      ex.resent = true;
      ex.conn = null;
      this.origin.start(ex);
      return;
    }
    ex.fail(err ?? closedError(this.answered ? 'the server closed the connection during the answer' : 'the server closed the connection'));
  }

  destroy(): void {
    if (!this.closed) this.socket.destroy();
  }

  /** True when the socket can still be reused. */
  get reusable(): boolean {
    return !this.closed && !this.socket.destroyed && this.expiresAt > performance.now();
  }
}

/** Header values that would break the request's framing are refused before anything is sent. */
const BAD_VALUE = /[\r\n\0]/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The kept-alive connections to one origin (`http://host:port`). */
export class H1Origin {
  readonly host: string;
  readonly port: number;
  private readonly hostHeader: string;
  private readonly idle: Conn[] = [];
  private readonly live = new Set<Conn>();
  /** The head of the last request (path and headers), reused while they are the same objects. */
  private lastPath = '';
  private lastHeaders: readonly string[] | null = null;
  private lastHead = '';
  /** Set by `close`: resolves once the last connection is gone. */
  private closed: Promise<void> | null = null;
  private closing: (() => void) | null = null;

  constructor(origin: string) {
    const u = new URL(origin);
    this.host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    this.port = Number(u.port || 80);
    this.hostHeader = u.host;
  }

  /** The request's head up to its content-length value (built once per path and header list). */
  private headOf(path: string, headers: readonly string[]): string {
    if (path === this.lastPath && headers === this.lastHeaders) return this.lastHead;
    if (BAD_VALUE.test(path) || path[0] !== '/') throw new Error(`invalid request path '${path}'`);
    let head = `POST ${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\nconnection: keep-alive\r\n`;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = headers[i];
      const value = headers[i + 1];
      if (!TOKEN.test(name) || BAD_VALUE.test(value)) throw new Error(`invalid request header '${name}'`);
      const lower = name.toLowerCase();
      if (lower === 'host' || lower === 'connection' || lower === 'content-length' || lower === 'transfer-encoding') continue;
      head += `${name}: ${value}\r\n`;
    }
    head += 'content-length: ';
    this.lastPath = path;
    this.lastHeaders = headers;
    this.lastHead = head;
    return head;
  }

  /** Sends one POST; its answer, or its failure, goes to `handler` (undici's dispatch-handler callbacks). */
  request(path: string, headers: readonly string[], body: Buffer | string, handler: Dispatcher.DispatchHandler): void {
    let head: string;
    try {
      head = this.headOf(path, headers);
    } catch (err) {
      handler.onResponseError?.(new Controller(() => {}), err as Error);
      return;
    }
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    const x = new Exchange(this, `${head}${length}\r\n\r\n`, body, handler);
    handler.onRequestStart?.(x.controller, {});
    if (!x.controller.aborted) this.start(x);
  }

  start(x: Exchange): void {
    let c = this.idle.pop();
    while (c !== undefined && !c.reusable) {
      c.destroy();
      c = this.idle.pop();
    }
    if (c === undefined) {
      c = new Conn(this);
      this.live.add(c);
    }
    c.send(x);
  }

  release(c: Conn): void {
    if (this.closed !== null || !c.reusable) {
      c.destroy();
      return;
    }
    // An idle socket does not keep the process alive.
    c.socket.unref();
    this.idle.push(c);
  }

  forget(c: Conn): void {
    this.live.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.live.size === 0) this.closing?.();
  }

  /** Closes the idle connections now and the others as their answers end. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.closing = resolve;
      for (const c of [...this.idle]) c.destroy();
      if (this.live.size === 0) resolve();
    });
    return this.closed;
  }

  /** Closes every connection now (answers in flight fail). */
  destroyAll(): void {
    for (const c of [...this.live]) c.destroy();
  }
}
