/**
 * The framing of a server-sent event stream, read from its bytes: no text decoding of the stream.
 * Lines end at LF, CR or CRLF (a CRLF split across reads counts once); `data` fields are joined by
 * a newline; an `event` field names the event; comments (`:`) and other fields (`id`, `retry`, ...)
 * are skipped; a blank line ends an event, which is handed over when it had a data field; a UTF-8 BOM
 * at the start of the stream is skipped. The rules of the WHATWG EventSource parser, as
 * eventsource-parser applies them (test/client/http/sse-frames.test.ts compares the two).
 *
 * An event's data is handed over as a range of the bytes it arrived in (valid during the callback
 * only): an event inside one read is never copied. Bytes of an event split across reads are kept
 * (copied) until it ends.
 */

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const BOM = [0xef, 0xbb, 0xbf];
const EMPTY = Buffer.alloc(0);

function fieldIs(buf: Buffer, s: number, e: number, name: string): boolean {
  if (e - s !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (buf[s + k] !== name.charCodeAt(k)) return false;
  return true;
}

export class SseFramer {
  /** Bytes of the stream's start matched against the BOM so far (3: done looking). */
  private bomAt = 0;
  /** The last read ended with a CR: an LF starting the next one belongs to it. */
  private afterCR = false;
  /** An unfinished line from earlier reads (its own copy). */
  private carry: Buffer | null = null;
  private dataLines = 0;
  private data: Buffer = EMPTY;
  private dataStart = 0;
  private dataEnd = 0;
  /** `data` is a view of the read being framed (copied if the event outlives it). */
  private dataIsView = false;
  private eventType: string | undefined = undefined;

  /**
   * `onEvent(buf, start, end, event)`: the event's data is `buf[start, end)`, valid during the call
   * only (no view object is made for it); `event` is undefined when unnamed.
   */
  constructor(private readonly onEvent: (buf: Buffer, start: number, end: number, event: string | undefined) => void) {}

  /** The bytes of one read. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;
    if (this.bomAt < 3) {
      while (this.bomAt < 3 && pos < buf.length && buf[pos] === BOM[this.bomAt]) {
        this.bomAt++;
        pos++;
      }
      if (pos === buf.length && this.bomAt < 3) return; // all of it may still be a BOM
      if (this.bomAt < 3) {
        // Not a BOM after all: the bytes taken for one are the stream's first bytes.
        const taken = this.bomAt;
        this.bomAt = 3;
        if (taken > 0) buf = Buffer.concat([Buffer.from(BOM.slice(0, taken)), buf.subarray(pos)]);
        pos = 0;
      }
    }
    if (this.carry !== null) {
      buf = Buffer.concat([this.carry, buf.subarray(pos)]);
      this.carry = null;
      pos = 0;
    }
    if (this.afterCR && pos < buf.length) {
      this.afterCR = false;
      if (buf[pos] === LF) pos++;
    }
    const n = buf.length;
    // Lines end at LF in nearly every stream: then the native byte search finds them.
    const hasCR = buf.indexOf(CR, pos) !== -1;
    while (pos < n) {
      let e: number;
      if (hasCR) {
        e = pos;
        while (e < n) {
          const b = buf[e];
          if (b === LF || b === CR) break;
          e++;
        }
      } else {
        e = buf.indexOf(LF, pos);
        if (e === -1) e = n;
      }
      if (e === n) break;
      this.line(buf, pos, e);
      if (buf[e] === CR) {
        if (e + 1 === n) this.afterCR = true;
        else if (buf[e + 1] === LF) e++;
      }
      pos = e + 1;
    }
    if (pos < n) this.carry = Buffer.from(buf.subarray(pos));
    if (this.dataIsView) {
      // The event goes on in a later read: keep its data.
      this.data = Buffer.from(this.data.subarray(this.dataStart, this.dataEnd));
      this.dataStart = 0;
      this.dataEnd = this.data.length;
      this.dataIsView = false;
    }
  }

  /** The stream ended: an unfinished last line is read, and an event still open is handed over. */
  end(): void {
    if (this.carry !== null) {
      const c = this.carry;
      this.carry = null;
      this.line(c, 0, c.length);
    }
    this.dispatch();
  }

  private line(buf: Buffer, s: number, e: number): void {
    if (s === e) {
      this.dispatch();
      return;
    }
    if (buf[s] === COLON) return; // a comment
    let colon = s;
    while (colon < e && buf[colon] !== COLON) colon++;
    let vs = colon;
    if (colon < e) {
      vs = colon + 1;
      if (vs < e && buf[vs] === SPACE) vs++;
    }
    if (fieldIs(buf, s, colon, 'data')) this.addData(buf, vs, e);
    else if (fieldIs(buf, s, colon, 'event')) this.eventType = vs < e ? buf.toString('utf8', vs, e) : undefined;
  }

  private addData(buf: Buffer, s: number, e: number): void {
    if (this.dataLines === 0) {
      this.data = buf;
      this.dataStart = s;
      this.dataEnd = e;
      this.dataIsView = true;
    } else {
      // Several data lines: joined by a newline (rare: OpenAI-compatible servers send one per event).
      const prev = this.data.subarray(this.dataStart, this.dataEnd);
      this.data = Buffer.concat([prev, Buffer.of(LF), buf.subarray(s, e)]);
      this.dataStart = 0;
      this.dataEnd = this.data.length;
      this.dataIsView = false;
    }
    this.dataLines++;
  }

  private dispatch(): void {
    if (this.dataLines > 0) {
      const { data, dataStart, dataEnd, eventType } = this;
      this.reset();
      this.onEvent(data, dataStart, dataEnd, eventType);
      return;
    }
    this.reset();
  }

  private reset(): void {
    this.dataLines = 0;
    this.data = EMPTY;
    this.dataStart = 0;
    this.dataEnd = 0;
    this.dataIsView = false;
    this.eventType = undefined;
  }
}
