/**
 * Reads what the router needs from an OpenAI SSE stream straight from its bytes as they pass, without
 * decoding them to text or JSON-parsing any event: one byte-level state machine for the SSE framing
 * (lines ended by LF, CR or CRLF; `data:` fields, one optional space after the colon, several data
 * lines of an event joined by a newline; other fields and comments skipped; an event ends at a blank
 * line; a leading UTF-8 BOM skipped) and, inside the data, for just enough JSON to find object keys
 * (strings followed by a colon) and their values. State carries over between chunks, so an event,
 * a key or a multi-byte character may be split at any byte.
 *
 * Per event it reports: the data is exactly `[DONE]`; a generated token arrived (a non-empty string
 * under `content`, `reasoning_content`, `reasoning`, `text`, or a tool call's `name` or `arguments` —
 * the client's rule too, client/http/response-timing.ts); the `finish_reason` string; the
 * `completion_tokens` number (usage); and, when asked (`collectText`), the first `content` and `text`
 * strings, decoded.
 *
 * Approximations (none matters for a well-formed OpenAI stream): a key counts wherever it is nested
 * (an OpenAI chunk has these keys only in choices / usage); keys written with escapes (`"te\u0078t"`)
 * are not recognised; malformed JSON is not rejected (JSON.parse would drop the event). Bytes of a
 * multi-byte UTF-8 character never equal `"`, `\` or an ASCII letter, so scanning bytes is exact.
 */

/** What one SSE event said. The scanner reuses one object: read it inside the callback. */
export interface ScannedEvent {
  /** The event's data was exactly `[DONE]`. */
  done: boolean;
  /** A non-empty `content`, `reasoning_content`, `reasoning`, `text`, tool-call `name` or `arguments` string: a generated token (chunk). */
  token: boolean;
  /** First `content` string, decoded (only with collectText; null when absent). */
  content: string | null;
  /** First `text` string, decoded (only with collectText; null when absent). */
  text: string | null;
  /** Last `finish_reason` string value (null when absent or not a string). */
  finishReason: string | null;
  /** Last `completion_tokens` value when it was a non-negative integer. */
  completionTokens: number | null;
}

// Keys looked for, by index into KEYS; NO_KEY = none.
const CONTENT = 0;
const REASONING = 1;
const TEXT = 2;
const FINISH_REASON = 3;
const COMPLETION_TOKENS = 4;
const REASONING_ALT = 5; // `reasoning`, the other name servers use for reasoning_content
const ARGUMENTS = 6; // a tool call's function arguments
const NAME = 7; // a tool call's function name
const NO_KEY = -1;

// At most 8 keys: KEY_BYTE holds them as bits of a byte.
const KEYS: readonly Uint8Array[] = ['content', 'reasoning_content', 'text', 'finish_reason', 'completion_tokens', 'reasoning', 'arguments', 'name'].map((k) => Buffer.from(k, 'latin1'));
const ALL_KEYS = (1 << KEYS.length) - 1;
const MAX_KEY_LEN = Math.max(...KEYS.map((k) => k.length));
/** KEY_BYTE[pos · 256 + b]: the keys (bits) whose byte at `pos` is `b`. */
const KEY_BYTE = new Uint8Array(MAX_KEY_LEN * 256);
KEYS.forEach((k, i) => k.forEach((b, pos) => (KEY_BYTE[pos * 256 + b] |= 1 << i)));

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const COLON = 0x3a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DATA = Buffer.from('data', 'latin1');
const DONE = Buffer.from('[DONE]', 'latin1');
const BOM = [0xef, 0xbb, 0xbf];
/** Longest finish_reason / completion_tokens value kept (anything longer is not a real one). */
const MAX_SHORT_VALUE = 256;
const NO_BYTES = new Uint8Array(0);

// Line states: at a line's start, in a field name, just after `data:`, in a data value, in a skipped line.
const L_START = 0;
const L_FIELD = 1;
const L_DATA_FIRST = 2;
const L_DATA = 3;
const L_SKIP = 4;

// JSON states: outside strings, in a string, after its backslash, after a possible key (is a colon
// next?), before a value, in a number.
const J_OUT = 0;
const J_STR = 1;
const J_STR_ESCAPE = 2;
const J_AFTER_KEY = 3;
const J_VALUE_WAIT = 4;
const J_NUM = 5;

export class SseScanner {
  private line = L_START;
  private afterCR = false;
  private bomAt = 0;
  private fieldLen = 0;
  private fieldIsData = true;
  // The event being read.
  private hasData = false;
  private dataLen = 0;
  private dataIsDone = true;
  // JSON inside the event's data.
  private json = J_OUT;
  /** Keys the current string may still be (bit i = KEYS[i]); 0 for a value string. */
  private candidates = 0;
  private strLen = 0;
  /** The key whose value is being read (a value string or number), or NO_KEY. */
  private valueOf = NO_KEY;
  private capturing = false;
  /** Bytes kept of the captured value at most (a finish reason or number is short; text is not bounded). */
  private capLimit = Infinity;
  private cap = NO_BYTES; // allocated on the first capture
  private capLen = 0;
  private capEscaped = false;
  private readonly ev: ScannedEvent = { done: false, token: false, content: null, text: null, finishReason: null, completionTokens: null };

  constructor(
    private readonly onEvent: (e: ScannedEvent) => void,
    private readonly collectText = false,
  ) {}

  feed(bytes: Uint8Array): void {
    let i = 0;
    const n = bytes.length;
    if (this.bomAt < 3) {
      while (this.bomAt < 3 && i < n && bytes[i] === BOM[this.bomAt]) {
        this.bomAt++;
        i++;
      }
      if (this.bomAt < 3 && i < n) {
        // Not a BOM: bytes taken for one start a line that is no `data:` field.
        if (this.bomAt > 0) {
          this.line = L_FIELD;
          this.fieldLen = this.bomAt;
          this.fieldIsData = false;
        }
        this.bomAt = 3;
      }
    }
    while (i < n) {
      if (this.line === L_DATA && !this.dataIsDone) {
        i = this.skip(bytes, i, n);
        if (i === n) break;
      }
      this.step(bytes[i++]);
    }
  }

  /**
   * Fast path inside a data line (once it cannot be `[DONE]` any more), over bytes that change no
   * state but the JSON string bookkeeping: outside strings, everything up to a quote or a line end;
   * strings that are no value being read (a possible key is matched against KEY_BYTE as it goes; a
   * plain string ends here); inside a value string, everything up to a quote, a backslash or a line
   * end (copied in bulk when captured). Returns where the byte-by-byte path must resume.
   */
  private skip(bytes: Uint8Array, from: number, n: number): number {
    let i = from;
    for (;;) {
      if (this.json === J_OUT) {
        while (i < n) {
          const b = bytes[i];
          if (b === QUOTE || b === LF || b === CR) break;
          i++;
        }
        if (i === n || bytes[i] !== QUOTE) break;
        i++;
        this.beginString(ALL_KEYS);
      } else if (this.json === J_STR) {
        const start = i;
        let c = this.candidates;
        let len = this.strLen;
        while (i < n && c !== 0) {
          const b = bytes[i];
          if (b === QUOTE || b === BACKSLASH || b === LF || b === CR) break;
          c = len < MAX_KEY_LEN ? c & KEY_BYTE[len * 256 + b] : 0;
          len++;
          i++;
        }
        this.candidates = c;
        if (c === 0) {
          while (i < n) {
            const b = bytes[i];
            if (b === QUOTE || b === BACKSLASH || b === LF || b === CR) break;
            i++;
          }
          if (this.capturing) this.captureRange(bytes, start, i);
        }
        this.strLen += i - start;
        if (i === n || bytes[i] !== QUOTE || c !== 0 || this.valueOf !== NO_KEY) break;
        // The end of a string that is no key looked for and no value being read.
        i++;
        this.json = J_OUT;
      } else break;
    }
    this.dataLen += i - from;
    return i;
  }

  private step(b: number): void {
    switch (this.line) {
      case L_START:
        if (b === LF) {
          if (this.afterCR) this.afterCR = false;
          else this.dispatch();
        } else if (b === CR) {
          this.afterCR = true;
          this.dispatch();
        } else {
          this.afterCR = false;
          this.line = L_FIELD;
          this.fieldLen = 0;
          this.fieldIsData = true;
          this.field(b);
        }
        break;
      case L_FIELD:
        this.field(b);
        break;
      case L_DATA_FIRST:
        if (b === LF || b === CR) {
          this.endLine(b);
          break;
        }
        this.line = L_DATA;
        if (b === SPACE) break;
        this.data(b);
        break;
      case L_DATA:
        if (b === LF || b === CR) this.endLine(b);
        else this.data(b);
        break;
      case L_SKIP:
        if (b === LF || b === CR) this.endLine(b);
        break;
    }
  }

  private field(b: number): void {
    if (b === COLON) {
      if (this.fieldIsData && this.fieldLen === DATA.length) {
        this.beginDataLine();
        this.line = L_DATA_FIRST;
      } else this.line = L_SKIP;
    } else if (b === LF || b === CR) {
      // A line without a colon is a field with an empty value.
      if (this.fieldIsData && this.fieldLen === DATA.length) this.beginDataLine();
      this.endLine(b);
    } else {
      if (this.fieldLen >= DATA.length || DATA[this.fieldLen] !== b) this.fieldIsData = false;
      this.fieldLen++;
    }
  }

  private endLine(b: number): void {
    this.line = L_START;
    this.afterCR = b === CR;
  }

  private beginDataLine(): void {
    if (this.hasData) this.data(LF); // data lines of one event are joined by a newline
    this.hasData = true;
  }

  private data(b: number): void {
    if (this.dataIsDone && (this.dataLen >= DONE.length || DONE[this.dataLen] !== b)) this.dataIsDone = false;
    this.dataLen++;
    this.jsonByte(b);
  }

  private jsonByte(b: number): void {
    switch (this.json) {
      case J_OUT:
        if (b === QUOTE) this.beginString(ALL_KEYS);
        return;
      case J_STR:
        if (b === QUOTE) {
          this.endString();
          return;
        }
        if (b === BACKSLASH) {
          this.json = J_STR_ESCAPE;
          this.candidates = 0; // an escaped key is not recognised
          if (this.capturing) this.capEscaped = true;
        } else if (this.candidates !== 0) {
          this.candidates = this.strLen < MAX_KEY_LEN ? this.candidates & KEY_BYTE[this.strLen * 256 + b] : 0;
        }
        this.strLen++;
        if (this.capturing && this.capLen < this.capLimit) this.capture(b);
        return;
      case J_STR_ESCAPE:
        this.json = J_STR;
        this.strLen++;
        if (this.capturing && this.capLen < this.capLimit) this.capture(b);
        return;
      case J_AFTER_KEY:
        if (b === COLON) {
          this.json = J_VALUE_WAIT;
          return;
        }
        if (isSpace(b)) return;
        this.valueOf = NO_KEY;
        this.json = J_OUT;
        this.jsonByte(b);
        return;
      case J_VALUE_WAIT:
        if (isSpace(b)) return;
        if (b === QUOTE) {
          this.beginString(0);
          return;
        }
        if (this.valueOf === COMPLETION_TOKENS && (b === 0x2d || (b >= 0x30 && b <= 0x39))) {
          this.json = J_NUM;
          this.startCapture(MAX_SHORT_VALUE + 1);
          this.capture(b);
          return;
        }
        this.valueOf = NO_KEY;
        this.json = J_OUT;
        this.jsonByte(b);
        return;
      case J_NUM:
        if ((b >= 0x30 && b <= 0x39) || b === 0x2e || b === 0x2b || b === 0x2d || b === 0x65 || b === 0x45) {
          if (this.capLen < this.capLimit) this.capture(b);
          return;
        }
        this.endNumber();
        this.jsonByte(b);
        return;
    }
  }

  private beginString(candidates: number): void {
    this.json = J_STR;
    this.candidates = candidates;
    this.strLen = 0;
    if (candidates !== 0) {
      this.valueOf = NO_KEY;
      this.capturing = false;
      return;
    }
    const k = this.valueOf;
    const wanted = k === FINISH_REASON || (this.collectText && ((k === CONTENT && this.ev.content === null) || (k === TEXT && this.ev.text === null)));
    if (wanted) this.startCapture(k === FINISH_REASON ? MAX_SHORT_VALUE + 1 : Infinity);
    else this.capturing = false;
  }

  private endString(): void {
    this.json = J_OUT;
    const k = this.valueOf;
    if (this.candidates !== 0) {
      // A string that may be a key: it is one if a colon follows.
      for (let i = 0; i < KEYS.length; i++) {
        if ((this.candidates & (1 << i)) !== 0 && KEYS[i].length === this.strLen) {
          this.valueOf = i;
          this.json = J_AFTER_KEY;
          return;
        }
      }
      return;
    }
    this.valueOf = NO_KEY;
    if (k === CONTENT || k === REASONING || k === TEXT || k === REASONING_ALT || k === ARGUMENTS || k === NAME) {
      if (this.strLen > 0) this.ev.token = true;
      if (this.capturing) {
        if (k === CONTENT) this.ev.content = this.captured();
        else if (k === TEXT) this.ev.text = this.captured();
      }
    } else if (k === FINISH_REASON && this.capLen <= MAX_SHORT_VALUE) {
      this.ev.finishReason = this.captured();
    }
    this.capturing = false;
  }

  private endNumber(): void {
    this.json = J_OUT;
    this.valueOf = NO_KEY;
    this.capturing = false;
    if (this.capLen > MAX_SHORT_VALUE) return;
    const v = Number(Buffer.from(this.cap.buffer, this.cap.byteOffset, this.capLen).toString('latin1'));
    if (Number.isInteger(v) && v >= 0) this.ev.completionTokens = v;
  }

  private startCapture(limit: number): void {
    this.capturing = true;
    this.capLimit = limit;
    this.capLen = 0;
    this.capEscaped = false;
  }

  private captureRange(bytes: Uint8Array, from: number, to: number): void {
    const len = Math.min(to - from, this.capLimit - this.capLen);
    if (len <= 0) return;
    if (this.capLen + len > this.cap.length) {
      const bigger = new Uint8Array(Math.max(64, this.cap.length * 2, this.capLen + len));
      bigger.set(this.cap.subarray(0, this.capLen));
      this.cap = bigger;
    }
    this.cap.set(bytes.subarray(from, from + len), this.capLen);
    this.capLen += len;
  }

  private capture(b: number): void {
    if (this.capLen === this.cap.length) {
      const bigger = new Uint8Array(Math.max(64, this.cap.length * 2));
      bigger.set(this.cap);
      this.cap = bigger;
    }
    this.cap[this.capLen++] = b;
  }

  /** The captured string value, decoded (JSON escapes resolved). */
  private captured(): string {
    const raw = Buffer.from(this.cap.buffer, this.cap.byteOffset, this.capLen).toString('utf8');
    if (!this.capEscaped) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return raw;
    }
  }

  /**
   * The stream ended: an event still open (data without its closing blank line) is dispatched, the
   * client's rule too (client/http/sse.ts) — a server that ends its last event without one loses nothing.
   */
  end(): void {
    if (this.json === J_STR || this.json === J_STR_ESCAPE) this.json = J_OUT; // an unfinished string is no value
    this.dispatch();
  }

  private dispatch(): void {
    if (!this.hasData) return;
    if (this.json === J_NUM) this.endNumber();
    const ev = this.ev;
    ev.done = this.dataIsDone && this.dataLen === DONE.length;
    this.onEvent(ev);
    ev.done = false;
    ev.token = false;
    ev.content = null;
    ev.text = null;
    ev.finishReason = null;
    ev.completionTokens = null;
    this.hasData = false;
    this.dataLen = 0;
    this.dataIsDone = true;
    this.json = J_OUT;
    this.valueOf = NO_KEY;
    this.candidates = 0;
    this.capturing = false;
  }
}

function isSpace(b: number): boolean {
  return b === SPACE || b === LF || b === CR || b === TAB;
}
