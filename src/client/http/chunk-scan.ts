/**
 * Reads what a record needs from one streamed chunk's JSON straight from its bytes, without building
 * the chunk as objects (JSON.parse makes every key, string and number of it, ~30 values a chunk, for
 * the 3–4 the client keeps): the first choice's text pieces (`delta` or `message`: `content`,
 * `reasoning_content` / `reasoning`, tool-call `function.name` / `arguments`; else `text`) and
 * `finish_reason`, `usage` (with `prompt_tokens_details.cached_tokens`), and `nvext.timing` /
 * `nvext.cached_tokens_by_medium` — exactly what response-timing.ts reads from a parsed chunk
 * (`piecesOf`, `usageOf`, `engineTtftOf`), with JSON's rules: any key order and whitespace, escapes,
 * a repeated key's last value wins, values of other types read as absent.
 *
 * The whole text is checked as JSON on the way (strings, escapes, numbers, literals, nesting, nothing
 * after the value). Anything this reader does not take — not JSON, not an object, an `error` key or
 * `"object": "error"` (error shapes: sse.ts), a key written with escapes — is declined (`scan` returns
 * false) and the caller parses the event with JSON.parse as before, so a record never depends on
 * which of the two read it (test/client/http/chunk-scan.test.ts compares them).
 */
import type { Usage } from './response-timing.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/** What one chunk said, in the terms of response-timing.ts. The scanner reuses one object. */
export interface ScannedChunk {
  /** Answer text of the first choice ('' when none). */
  content: string;
  reasoning: string;
  /** A tool call's non-empty name or arguments arrived. */
  tool: boolean;
  finishReason: string | null;
  usage: Usage | null;
  /** nvext.timing first_token_ms − arrival_ms, or null. */
  engineTtftMs: number | null;
}

/** Thrown inside the scanner to decline a text (caught in `scan`). */
const DECLINE = Symbol('decline');

/** Every key the scanner looks for, at whatever depth; `key()` returns an index into it (or -1). */
const KEYS = [
  'choices', 'usage', 'nvext', 'error', 'object', 'delta', 'message', 'text', 'finish_reason', 'content', 'reasoning_content', 'reasoning',
  'tool_calls', 'function', 'name', 'arguments', 'prompt_tokens', 'completion_tokens', 'prompt_tokens_details', 'cached_tokens', 'timing',
  'cached_tokens_by_medium', 'arrival_ms', 'first_token_ms', 'CPU', 'DISK',
] as const;
type KeyName = (typeof KEYS)[number];
const K = Object.fromEntries(KEYS.map((k, i) => [k, i])) as Record<KeyName, number>;
const KEY_BYTES = KEYS.map((k) => Buffer.from(k, 'latin1'));
/** Candidate keys by (length, first byte): BY_SHAPE[len * 128 + firstByte]. */
const MAX_KEY = Math.max(...KEYS.map((k) => k.length));
const BY_SHAPE: number[][] = Array.from({ length: (MAX_KEY + 1) * 128 }, () => []);
KEYS.forEach((k, i) => BY_SHAPE[k.length * 128 + k.charCodeAt(0)].push(i));

interface Part {
  content: string | null;
  reasoningContent: string | null;
  reasoning: string | null;
  tool: boolean;
}

function isWs(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

function isDigit(b: number): boolean {
  return b >= ZERO && b <= NINE;
}

export class ChunkScanner {
  private b: Buffer = Buffer.alloc(0);
  private i = 0;
  private n = 0;
  /** Start and end (exclusive) of the last string read, and whether it had escapes. */
  private s0 = 0;
  private s1 = 0;
  private escaped = false;

  /** Reads `buf[start, end)` into `out`; false when the text is declined (the caller falls back to JSON.parse). */
  scan(buf: Buffer, start: number, end: number, out: ScannedChunk): boolean {
    this.b = buf;
    this.i = start;
    this.n = end;
    try {
      this.top(out);
      this.ws();
      return this.i === this.n;
    } catch {
      // DECLINE, or anything unexpected (e.g. nesting deeper than the stack): JSON.parse decides.
      return false;
    }
  }

  private top(out: ScannedChunk): void {
    out.content = '';
    out.reasoning = '';
    out.tool = false;
    out.finishReason = null;
    out.usage = null;
    out.engineTtftMs = null;
    let usage: { p: number | null; c: number | null; cached: number | null } | null = null;
    let byMedium: { cpu: number | null; disk: number | null } | null = null;
    this.ws();
    this.expect(LBRACE);
    this.ws();
    if (this.peek() === RBRACE) {
      this.i++;
      return;
    }
    for (;;) {
      const k = this.key();
      if (k === K.choices) {
        out.content = '';
        out.reasoning = '';
        out.tool = false;
        out.finishReason = null;
        if (this.peek() === LBRACKET) this.choices(out);
        else this.skipValue();
      } else if (k === K.usage) {
        if (this.peek() === LBRACE) usage = this.usage();
        else {
          usage = null;
          this.skipValue();
        }
      } else if (k === K.nvext) {
        out.engineTtftMs = null;
        byMedium = null;
        if (this.peek() === LBRACE) byMedium = this.nvext(out);
        else this.skipValue();
      } else if (k === K.error) {
        throw DECLINE;
      } else if (k === K.object) {
        if (this.peek() === QUOTE) {
          this.str();
          if (this.strIs('error')) throw DECLINE;
        } else this.skipValue();
      } else this.skipValue();
      if (!this.next(RBRACE)) break;
    }
    if (usage) {
      out.usage = {
        promptTokens: usage.p,
        completionTokens: usage.c,
        cachedTokens: usage.cached,
        ...(byMedium && byMedium.cpu !== null ? { cpuCachedTokens: byMedium.cpu, diskCachedTokens: byMedium.disk ?? 0 } : {}),
      };
    }
  }

  /** `choices`: the first element's pieces (the other elements only checked). */
  private choices(out: ScannedChunk): void {
    if (!this.enter(RBRACKET)) return;
    if (this.peek() === LBRACE) this.choice(out);
    else this.skipValue();
    for (;;) {
      if (!this.next(RBRACKET)) return;
      this.skipValue();
    }
  }

  /** The first choice's `delta` and `message` objects, reused from chunk to chunk. */
  private readonly deltaPart: Part = { content: null, reasoningContent: null, reasoning: null, tool: false };
  private readonly messagePart: Part = { content: null, reasoningContent: null, reasoning: null, tool: false };

  private choice(out: ScannedChunk): void {
    let delta: Part | null = null;
    let message: Part | null = null;
    let text: string | null = null;
    let finish: string | null = null;
    this.i++; // {
    this.ws();
    if (this.peek() === RBRACE) this.i++;
    else {
      for (;;) {
        const k = this.key();
        if (k === K.delta) delta = this.peek() === LBRACE ? this.part(this.deltaPart) : this.skipAsNull();
        else if (k === K.message) message = this.peek() === LBRACE ? this.part(this.messagePart) : this.skipAsNull();
        else if (k === K.text) text = this.stringOrNull();
        else if (k === K.finish_reason) finish = this.stringOrNull();
        else this.skipValue();
        if (!this.next(RBRACE)) break;
      }
    }
    const part = delta ?? message;
    if (part) {
      out.content = part.content ?? '';
      out.reasoning = part.reasoningContent ?? part.reasoning ?? '';
      out.tool = part.tool;
    } else {
      out.content = text ?? '';
      out.reasoning = '';
      out.tool = false;
    }
    out.finishReason = finish;
  }

  /** Reads the object here into `p` (its earlier contents cleared). */
  private part(p: Part): Part {
    p.content = null;
    p.reasoningContent = null;
    p.reasoning = null;
    p.tool = false;
    if (!this.enter(RBRACE)) return p;
    for (;;) {
      const k = this.key();
      if (k === K.content) p.content = this.stringOrNull();
      else if (k === K.reasoning_content) p.reasoningContent = this.stringOrNull();
      else if (k === K.reasoning) p.reasoning = this.stringOrNull();
      else if (k === K.tool_calls) p.tool = this.peek() === LBRACKET ? this.toolCalls() : (this.skipValue(), false);
      else this.skipValue();
      if (!this.next(RBRACE)) break;
    }
    return p;
  }

  /** True when some tool call has a non-empty `function.name` or `function.arguments` string. */
  private toolCalls(): boolean {
    let found = false;
    if (!this.enter(RBRACKET)) return false;
    for (;;) {
      this.ws();
      if (this.peek() === LBRACE) {
        if (this.toolCall()) found = true;
      } else this.skipValue();
      if (!this.next(RBRACKET)) return found;
    }
  }

  private toolCall(): boolean {
    let piece = false;
    if (!this.enter(RBRACE)) return false;
    for (;;) {
      const k = this.key();
      if (k === K.function) {
        piece = false;
        if (this.peek() === LBRACE) piece = this.toolFunction();
        else this.skipValue();
      } else this.skipValue();
      if (!this.next(RBRACE)) return piece;
    }
  }

  private toolFunction(): boolean {
    let name = '';
    let args = '';
    if (!this.enter(RBRACE)) return false;
    for (;;) {
      const k = this.key();
      if (k === K.name) name = this.stringOrNull() ?? '';
      else if (k === K.arguments) args = this.stringOrNull() ?? '';
      else this.skipValue();
      if (!this.next(RBRACE)) return name !== '' || args !== '';
    }
  }

  private usage(): { p: number | null; c: number | null; cached: number | null } {
    const u = { p: null as number | null, c: null as number | null, cached: null as number | null };
    if (!this.enter(RBRACE)) return u;
    for (;;) {
      const k = this.key();
      if (k === K.prompt_tokens) u.p = this.numberOrNull();
      else if (k === K.completion_tokens) u.c = this.numberOrNull();
      else if (k === K.prompt_tokens_details) {
        u.cached = null;
        if (this.peek() === LBRACE) u.cached = this.member(K.cached_tokens);
        else this.skipValue();
      } else this.skipValue();
      if (!this.next(RBRACE)) return u;
    }
  }

  /** `nvext`: its timing (into `out`) and its cached tokens by medium (returned, or null). */
  private nvext(out: ScannedChunk): { cpu: number | null; disk: number | null } | null {
    let byMedium: { cpu: number | null; disk: number | null } | null = null;
    if (!this.enter(RBRACE)) return null;
    for (;;) {
      const k = this.key();
      if (k === K.timing) {
        out.engineTtftMs = null;
        if (this.peek() === LBRACE) {
          const [arrival, first] = this.pair(K.arrival_ms, K.first_token_ms);
          out.engineTtftMs = arrival === null || first === null ? null : first - arrival;
        } else this.skipValue();
      } else if (k === K.cached_tokens_by_medium) {
        byMedium = null;
        if (this.peek() === LBRACE) {
          const [cpu, disk] = this.pair(K.CPU, K.DISK);
          byMedium = { cpu, disk };
        } else this.skipValue();
      } else this.skipValue();
      if (!this.next(RBRACE)) return byMedium;
    }
  }

  /** The number under key `a` of the object here (null when absent or not a finite number). */
  private member(a: number): number | null {
    return this.pair(a, -2)[0]; // -2: no key's index (unknown keys are -1)
  }

  /** The numbers under keys `a` and `b` of the object here. */
  private pair(a: number, b: number): [number | null, number | null] {
    let va: number | null = null;
    let vb: number | null = null;
    if (!this.enter(RBRACE)) return [va, vb];
    for (;;) {
      const k = this.key();
      if (k === a) va = this.numberOrNull();
      else if (k === b) vb = this.numberOrNull();
      else this.skipValue();
      if (!this.next(RBRACE)) return [va, vb];
    }
  }

  // --- JSON pieces ------------------------------------------------------------------------------

  /**
   * After a member or element: true when a comma follows (another one comes), false when `close`
   * ends the object or array; anything else is declined.
   */
  /** Moves past an opening `{` or `[` and its whitespace; false (past `close` too) when the value is empty. */
  private enter(close: number): boolean {
    this.i++;
    this.ws();
    if (this.peek() !== close) return true;
    this.i++;
    return false;
  }

  private next(close: number): boolean {
    this.ws();
    const c = this.peek();
    this.i++;
    if (c === COMMA) return true;
    if (c === close) return false;
    throw DECLINE;
  }

  /**
   * An object key and its colon, leaving the position at the value: the key's index in KEYS, or -1
   * for any other key. A key with escapes is declined (its text is not what its bytes say).
   */
  private key(): number {
    this.ws();
    if (this.peek() !== QUOTE) throw DECLINE;
    this.str();
    if (this.escaped) throw DECLINE;
    const s = this.s0;
    const len = this.s1 - s;
    let found = -1;
    const b = this.b;
    if (len > 0 && len <= MAX_KEY && b[s] < 128) {
      const cands = BY_SHAPE[len * 128 + b[s]];
      for (let c = 0; c < cands.length && found < 0; c++) {
        const kb = KEY_BYTES[cands[c]];
        let j = 1;
        while (j < len && b[s + j] === kb[j]) j++;
        if (j === len) found = cands[c];
      }
    }
    this.ws();
    this.expect(COLON);
    this.ws();
    return found;
  }

  /** The string value here, decoded, or null (the value skipped) when it is no string. */
  private stringOrNull(): string | null {
    if (this.peek() !== QUOTE) {
      this.skipValue();
      return null;
    }
    this.str();
    if (this.escaped) return JSON.parse(this.b.toString('utf8', this.s0 - 1, this.s1 + 1)) as string;
    return this.s1 === this.s0 ? '' : this.b.toString('utf8', this.s0, this.s1);
  }

  /** Skips the value here and returns null (a `delta` or `message` that is no object). */
  private skipAsNull(): null {
    this.skipValue();
    return null;
  }

  /** The number here when it is one and finite (as JSON.parse reads it), else null (the value skipped). */
  private numberOrNull(): number | null {
    const c = this.peek();
    if (c !== MINUS && !isDigit(c)) {
      this.skipValue();
      return null;
    }
    const s = this.i;
    this.num();
    const v = Number(this.b.toString('latin1', s, this.i));
    return Number.isFinite(v) ? v : null;
  }

  /** The last string read is exactly the ASCII `text`. */
  private strIs(text: string): boolean {
    if (this.escaped || this.s1 - this.s0 !== text.length) return false;
    for (let k = 0; k < text.length; k++) if (this.b[this.s0 + k] !== text.charCodeAt(k)) return false;
    return true;
  }

  private peek(): number {
    return this.i < this.n ? this.b[this.i] : -1;
  }

  private expect(c: number): void {
    if (this.peek() !== c) throw DECLINE;
    this.i++;
  }

  private ws(): void {
    const b = this.b;
    let i = this.i;
    while (i < this.n && isWs(b[i])) i++;
    this.i = i;
  }

  /** A string at the position (its opening quote): sets s0/s1/escaped and moves past it. */
  private str(): void {
    const b = this.b;
    const n = this.n;
    let i = this.i + 1;
    const s = i;
    let escaped = false;
    for (;;) {
      if (i >= n) throw DECLINE;
      const c = b[i];
      if (c === QUOTE) break;
      if (c < 0x20) throw DECLINE; // control characters must be escaped
      if (c === BACKSLASH) {
        escaped = true;
        const e = i + 1 < n ? b[i + 1] : -1;
        if (e === 0x75) {
          // \uXXXX
          for (let k = 2; k < 6; k++) {
            const h = i + k < n ? b[i + k] : -1;
            if (!(isDigit(h) || (h >= 0x61 && h <= 0x66) || (h >= 0x41 && h <= 0x46))) throw DECLINE;
          }
          i += 6;
          continue;
        }
        if (e !== QUOTE && e !== BACKSLASH && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) throw DECLINE;
        i += 2;
        continue;
      }
      i++;
    }
    this.s0 = s;
    this.s1 = i;
    this.escaped = escaped;
    this.i = i + 1;
  }

  /** A JSON number at the position: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
  private num(): void {
    const b = this.b;
    const n = this.n;
    let i = this.i;
    if (b[i] === MINUS) i++;
    if (i < n && b[i] === ZERO) i++;
    else if (i < n && isDigit(b[i])) while (i < n && isDigit(b[i])) i++;
    else throw DECLINE;
    if (i < n && b[i] === 0x2e) {
      i++;
      if (!(i < n && isDigit(b[i]))) throw DECLINE;
      while (i < n && isDigit(b[i])) i++;
    }
    if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
      i++;
      if (i < n && (b[i] === 0x2b || b[i] === MINUS)) i++;
      if (!(i < n && isDigit(b[i]))) throw DECLINE;
      while (i < n && isDigit(b[i])) i++;
    }
    this.i = i;
  }

  private literal(word: string): void {
    for (let k = 0; k < word.length; k++) if (this.i + k >= this.n || this.b[this.i + k] !== word.charCodeAt(k)) throw DECLINE;
    this.i += word.length;
  }

  /** Any JSON value at the position (after whitespace), checked and passed over. */
  private skipValue(): void {
    this.ws();
    const c = this.peek();
    if (c === QUOTE) this.str();
    else if (c === LBRACE) {
      if (this.enter(RBRACE))
        for (;;) {
          this.key();
          this.skipValue();
          if (!this.next(RBRACE)) break;
        }
    } else if (c === LBRACKET) {
      if (this.enter(RBRACKET))
        for (;;) {
          this.skipValue();
          if (!this.next(RBRACKET)) break;
        }
    } else if (c === 0x74) this.literal('true');
    else if (c === 0x66) this.literal('false');
    else if (c === 0x6e) this.literal('null');
    else if (c === MINUS || isDigit(c)) this.num();
    else throw DECLINE;
  }
}
