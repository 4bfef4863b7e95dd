/**
 * Watches an upstream OpenAI response as its bytes pass through the proxy, without altering them:
 * for SSE streams the byte-level SseScanner (sse-scan.ts; no text decoding, no JSON parsing) reports
 * each event, from which the watcher sees the first token (prefill done), counts generated chunks, and
 * keeps the finish reason, the usage and the [DONE] marker — plus, only when asked (`collectAnswer`,
 * for speculative prefill), the answer text (content only, reasoning excluded: the chat template drops
 * it from history). For JSON bodies it buffers (bounded) and reads the same facts at the end.
 *
 * Approximation: one content chunk is counted as one token (true for the kvlab mocker and vLLM's
 * default streaming; servers that batch tokens per chunk are undercounted).
 */
import { SseScanner, type ScannedEvent } from './sse-scan.ts';

export interface WatchCallbacks {
  /** The first generated token (content, reasoning or text) arrived. */
  onFirstToken?(): void;
  /** `n` more generated chunks arrived. */
  onTokens?(n: number): void;
}

export interface WatchOptions {
  /** Keep the answer text (`answer`); default true. Off, the watcher does not decode any text. */
  collectAnswer?: boolean;
}

interface ChoiceLike {
  message?: { content?: unknown };
  text?: unknown;
  finish_reason?: unknown;
}

const MAX_JSON_BYTES = 8 * 1024 * 1024;

export class ResponseWatcher {
  private readonly scanner: SseScanner | null;
  private readonly jsonParts: Buffer[] = [];
  private jsonBytes = 0;
  private jsonOverflow = false;
  private sawFirst = false;
  /** Answer text so far (content deltas / message content / completion text; no reasoning); '' unless collectAnswer. */
  answer = '';
  finishReason: string | null = null;
  done = false;
  chunks = 0;
  /** `usage.completion_tokens` when the upstream reported it (JSON body, or a stream's usage chunk). */
  usageTokens: number | null = null;

  constructor(
    readonly sse: boolean,
    private readonly cb: WatchCallbacks = {},
    opts: WatchOptions = {},
  ) {
    this.scanner = sse ? new SseScanner((ev) => this.onEvent(ev), opts.collectAnswer ?? true) : null;
  }

  get firstTokenSeen(): boolean {
    return this.sawFirst;
  }

  /** Generated tokens: the upstream's usage when it gave one, else the content chunks counted. */
  get outputTokens(): number {
    return this.usageTokens ?? this.chunks;
  }

  feed(bytes: Uint8Array): void {
    if (this.scanner) {
      this.scanner.feed(bytes);
      return;
    }
    if (this.jsonOverflow) return;
    this.jsonBytes += bytes.length;
    if (this.jsonBytes > MAX_JSON_BYTES) {
      this.jsonOverflow = true;
      this.jsonParts.length = 0;
      return;
    }
    this.jsonParts.push(Buffer.from(bytes)); // a copy: the caller may reuse its chunk's memory
  }

  /** The upstream body ended (an SSE event without its closing blank line still counts, as for the client). */
  end(): void {
    if (this.scanner) {
      this.scanner.end();
      return;
    }
    if (this.jsonOverflow) return;
    let body: { choices?: ChoiceLike[]; usage?: { completion_tokens?: unknown } | null };
    try {
      body = JSON.parse(Buffer.concat(this.jsonParts).toString('utf8')) as typeof body;
    } catch {
      return;
    } finally {
      this.jsonParts.length = 0;
    }
    const n = body?.usage?.completion_tokens;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0) this.usageTokens = n;
    const c = body?.choices?.[0];
    if (!c) return;
    const text = typeof c.message?.content === 'string' ? c.message.content : typeof c.text === 'string' ? c.text : '';
    this.answer = text;
    if (typeof c.finish_reason === 'string') this.finishReason = c.finish_reason;
    this.markFirst();
    this.done = true;
  }

  private markFirst(): void {
    if (this.sawFirst) return;
    this.sawFirst = true;
    this.cb.onFirstToken?.();
  }

  private onEvent(ev: ScannedEvent): void {
    if (ev.done) {
      this.done = true;
      return;
    }
    if (ev.completionTokens !== null) this.usageTokens = ev.completionTokens;
    if (ev.token) {
      this.markFirst();
      this.chunks++;
      this.cb.onTokens?.(1);
    }
    const content = ev.content ?? ev.text;
    if (content !== null) this.answer += content;
    if (ev.finishReason !== null) this.finishReason = ev.finishReason;
  }
}
