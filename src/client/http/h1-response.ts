/**
 * An HTTP/1.x response read from its bytes, for the transport's own connections (h1-pool.ts): the
 * status line and header fields (field names lower-cased, repeated fields as arrays, as undici gives
 * them), then the body as ranges of the reads it arrived in — framed by `Transfer-Encoding: chunked`
 * (size lines with extensions, trailer fields skipped), by `Content-Length`, or by the connection's
 * close — and whether the connection may carry another request. Interim 1xx responses are skipped.
 *
 * Approximations: lenient where servers differ harmlessly (a bare LF ends a line; spaces around a
 * chunk size are allowed), strict where a wrong guess would mis-frame the body (a malformed status
 * line, chunk size or Content-Length is an error, and so is a body framed both ways — RFC 9112 §6.3:
 * chunked wins, the connection is not reused). A response to HEAD is never read here (only POSTs).
 */

/** Header fields by lower-case name; a field sent more than once is an array of its values. */
export type H1Headers = Record<string, string | string[]>;

export interface H1ResponseSink {
  /** The final (non-1xx) status line and header fields. */
  head(status: number, headers: H1Headers): void;
  /** Body bytes `buf[start, end)`, valid during the call only. */
  body(buf: Buffer, start: number, end: number): void;
  /** The body is complete; `keepAlive`: the connection may carry another request. */
  end(keepAlive: boolean): void;
}

/** A response this reader cannot frame (the connection must be closed). */
export class H1ProtocolError extends Error {
  readonly code = 'HPE_INVALID';
}

const LF = 0x0a;
const CR = 0x0d;
/** Longest status line and header section taken (undici's default is 16 KiB too). */
const MAX_HEAD_BYTES = 16 * 1024;

/** Where the reader is in a response. */
const S_HEAD = 0;
const S_LENGTH = 1;
const S_CHUNK_SIZE = 2;
const S_CHUNK_EXT = 3;
const S_CHUNK_DATA = 4;
const S_CHUNK_DATA_END = 5;
const S_TRAILERS = 6;
const S_UNTIL_CLOSE = 7;
const S_DONE = 8;

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const l = b | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

export class H1ResponseReader {
  private state = S_HEAD;
  /** Bytes of an unfinished header section from earlier reads. */
  private headCarry: Buffer | null = null;
  private remaining = 0;
  private sizeDigits = 0;
  private keepAlive = false;
  /** An unfinished trailer line's length so far (0: at a line start). */
  private trailerLine = 0;

  constructor(private readonly sink: H1ResponseSink) {}

  /** Ready for the next response on the same connection. */
  reset(): void {
    this.state = S_HEAD;
    this.headCarry = null;
    this.remaining = 0;
    this.sizeDigits = 0;
    this.keepAlive = false;
    this.trailerLine = 0;
  }

  /** True once the body is complete. */
  get done(): boolean {
    return this.state === S_DONE;
  }

  /** True while the body runs until the connection closes. */
  get untilClose(): boolean {
    return this.state === S_UNTIL_CLOSE;
  }

  /** True once the final status line and headers were read. */
  get started(): boolean {
    return this.state !== S_HEAD;
  }

  /** The connection closed: completes a body that runs until then (returns false if the response was cut short). */
  close(): boolean {
    if (this.state === S_UNTIL_CLOSE) {
      this.state = S_DONE;
      this.sink.end(false);
      return true;
    }
    return this.state === S_DONE;
  }

  /** Hands the sink up to `remaining` body bytes of `buf` from `pos`; returns where they end. */
  private bodyBytes(buf: Buffer, pos: number): number {
    const take = Math.min(this.remaining, buf.length - pos);
    this.remaining -= take;
    this.sink.body(buf, pos, pos + take);
    return pos + take;
  }

  /** The bytes of one read. Throws H1ProtocolError; bytes after a complete response are an error too. */
  push(buf: Buffer): void {
    let pos = 0;
    const n = buf.length;
    while (pos < n) {
      switch (this.state) {
        case S_HEAD:
          pos = this.readHead(buf, pos);
          break;
        case S_LENGTH:
          pos = this.bodyBytes(buf, pos);
          if (this.remaining === 0) this.finish();
          break;
        case S_CHUNK_SIZE: {
          const b = buf[pos++];
          const v = hexValue(b);
          if (v >= 0) {
            if (++this.sizeDigits > 12) throw new H1ProtocolError('chunk size too large');
            this.remaining = this.remaining * 16 + v;
          } else if (b === LF) {
            this.endSizeLine();
          } else if (b === CR || b === 0x20 || b === 0x09) {
            if (this.sizeDigits === 0 && b === CR) throw new H1ProtocolError('missing chunk size');
          } else if (b === 0x3b && this.sizeDigits > 0) {
            this.state = S_CHUNK_EXT;
          } else {
            throw new H1ProtocolError('invalid chunk size');
          }
          break;
        }
        case S_CHUNK_EXT: {
          const lf = buf.indexOf(LF, pos);
          if (lf < 0) {
            pos = n;
          } else {
            pos = lf + 1;
            this.endSizeLine();
          }
          break;
        }
        case S_CHUNK_DATA: {
          pos = this.bodyBytes(buf, pos);
          if (this.remaining === 0) this.state = S_CHUNK_DATA_END;
          break;
        }
        case S_CHUNK_DATA_END: {
          const b = buf[pos++];
          if (b === LF) {
            this.state = S_CHUNK_SIZE;
            this.remaining = 0;
            this.sizeDigits = 0;
          } else if (b !== CR) {
            throw new H1ProtocolError('chunk data longer than its size');
          }
          break;
        }
        case S_TRAILERS: {
          const b = buf[pos++];
          if (b === LF) {
            if (this.trailerLine === 0) this.finish();
            this.trailerLine = 0;
          } else if (b !== CR) {
            this.trailerLine++;
          }
          break;
        }
        case S_UNTIL_CLOSE:
          this.sink.body(buf, pos, n);
          pos = n;
          break;
        case S_DONE:
          throw new H1ProtocolError('bytes after the end of the response');
      }
    }
  }

  private endSizeLine(): void {
    if (this.sizeDigits === 0) throw new H1ProtocolError('missing chunk size');
    if (this.remaining === 0) {
      this.state = S_TRAILERS;
      this.trailerLine = 0;
    } else {
      this.state = S_CHUNK_DATA;
    }
  }

  private finish(): void {
    this.state = S_DONE;
    this.sink.end(this.keepAlive);
  }

  /** Reads the header section from `pos`; returns where its bytes end in `buf` (n when unfinished). */
  private readHead(buf: Buffer, pos: number): number {
    let head = buf;
    let from = pos;
    let carried = 0;
    if (this.headCarry) {
      carried = this.headCarry.length;
      head = Buffer.concat([this.headCarry, buf.subarray(pos)]);
      from = 0;
    }
    const end = headEnd(head, Math.max(from, from + carried - 3));
    if (end < 0) {
      if (head.length - from > MAX_HEAD_BYTES) throw new H1ProtocolError('response header section too large');
      this.headCarry = Buffer.from(head.subarray(from));
      return buf.length;
    }
    this.headCarry = null;
    const consumed = end - from - carried; // bytes of `buf` (from pos) in the head
    this.parseHead(head.toString('latin1', from, end));
    return pos + consumed;
  }

  private parseHead(text: string): void {
    const lines = text.split(/\r?\n/);
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
    if (!m) throw new H1ProtocolError(`invalid status line '${lines[0].slice(0, 60)}'`);
    const status = Number(m[2]);
    const headers: H1Headers = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      if (line === '') continue;
      const c = line.indexOf(':');
      if (c <= 0) throw new H1ProtocolError(`invalid header line '${line.slice(0, 60)}'`);
      const name = line.slice(0, c).trim().toLowerCase();
      const value = line.slice(c + 1).trim();
      const had = headers[name];
      if (had === undefined) headers[name] = value;
      else if (Array.isArray(had)) had.push(value);
      else headers[name] = [had, value];
    }
    // Interim responses (100 Continue, 103 Early Hints) precede the real one.
    if (status < 200 && status !== 101) return;
    if (status === 101) throw new H1ProtocolError('unexpected protocol upgrade');
    const connection = joined(headers.connection).toLowerCase();
    this.keepAlive = m[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    const te = joined(headers['transfer-encoding']).toLowerCase();
    const cl = headers['content-length'];
    if (status === 204 || status === 304) {
      this.sink.head(status, headers);
      this.finish();
      return;
    }
    this.sink.head(status, headers);
    if (te !== '') {
      if (!/(?:^|,)\s*chunked\s*$/.test(te)) {
        this.keepAlive = false;
        this.state = S_UNTIL_CLOSE;
        return;
      }
      if (cl !== undefined) this.keepAlive = false;
      this.state = S_CHUNK_SIZE;
      this.remaining = 0;
      this.sizeDigits = 0;
      return;
    }
    if (cl !== undefined) {
      const v = Array.isArray(cl) ? cl : [cl];
      if (!/^\d{1,15}$/.test(v[0]) || v.some((x) => x !== v[0])) throw new H1ProtocolError(`invalid content-length '${joined(cl)}'`);
      this.remaining = Number(v[0]);
      if (this.remaining === 0) this.finish();
      else this.state = S_LENGTH;
      return;
    }
    this.keepAlive = false;
    this.state = S_UNTIL_CLOSE;
  }
}

function joined(v: string | string[] | undefined): string {
  return v === undefined ? '' : Array.isArray(v) ? v.join(', ') : v;
}

/** End of the header section (just past its blank line) at or after `from`, or -1. */
function headEnd(buf: Buffer, from: number): number {
  let i = buf.indexOf(LF, from);
  while (i >= 0) {
    const next = buf[i + 1];
    if (next === LF) return i + 2;
    if (next === CR && buf[i + 2] === LF) return i + 3;
    if (i + 1 >= buf.length || (next === CR && i + 2 >= buf.length)) return -1;
    i = buf.indexOf(LF, i + 1);
  }
  return -1;
}
