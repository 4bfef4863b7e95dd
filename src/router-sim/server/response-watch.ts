/**
 * Watches an upstream OpenAI response as its bytes pass through the proxy, without altering them:
 * for SSE streams it parses events (eventsource-parser) to see the first token (prefill done), count
 * generated chunks, collect the answer text (content only, reasoning excluded: the chat template drops
 * it from history), the finish reason, the usage and the [DONE] marker; for JSON bodies it buffers
 * (bounded) and reads the same facts at the end.
 *
 * Approximation: one content chunk is counted as one token (true for the kvlab mocker and vLLM's
 * default streaming; servers that batch tokens per chunk are undercounted).
 */
import { createParser, type EventSourceParser } from 'eventsource-parser';

export interface WatchCallbacks {
  /** The first generated token (content, reasoning or text) arrived. */
  onFirstToken?(): void;
  /** `n` more generated chunks arrived. */
  onTokens?(n: number): void;
}

interface ChoiceLike {
  delta?: { content?: unknown; reasoning_content?: unknown };
  message?: { content?: unknown };
  text?: unknown;
  finish_reason?: unknown;
}

const MAX_JSON_BYTES = 8 * 1024 * 1024;

export class ResponseWatcher {
  private readonly parser: EventSourceParser | null;
  private readonly decoder = new TextDecoder();
  private json = '';
  private jsonOverflow = false;
  private sawFirst = false;
  /** Answer text so far (content deltas / message content / completion text; no reasoning). */
  answer = '';
  finishReason: string | null = null;
  done = false;
  chunks = 0;
  /** `usage.completion_tokens` when the upstream reported it (JSON body, or a stream's usage chunk). */
  usageTokens: number | null = null;

  constructor(
    readonly sse: boolean,
    private readonly cb: WatchCallbacks = {},
  ) {
    this.parser = sse ? createParser({ onEvent: (ev) => this.onEvent(ev.data) }) : null;
  }

  get firstTokenSeen(): boolean {
    return this.sawFirst;
  }

  /** Generated tokens: the upstream's usage when it gave one, else the content chunks counted. */
  get outputTokens(): number {
    return this.usageTokens ?? this.chunks;
  }

  private readUsage(body: { usage?: { completion_tokens?: unknown } | null }): void {
    const n = body?.usage?.completion_tokens;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0) this.usageTokens = n;
  }

  feed(bytes: Uint8Array): void {
    const text = this.decoder.decode(bytes, { stream: true });
    if (this.parser) this.parser.feed(text);
    else if (!this.jsonOverflow) {
      this.json += text;
      if (this.json.length > MAX_JSON_BYTES) {
        this.jsonOverflow = true;
        this.json = '';
      }
    }
  }

  /** The upstream body ended. */
  end(): void {
    const rest = this.decoder.decode();
    if (this.parser) {
      if (rest) this.parser.feed(rest);
      return;
    }
    this.json += rest;
    if (this.jsonOverflow) return;
    let body: { choices?: ChoiceLike[]; usage?: { completion_tokens?: unknown } | null };
    try {
      body = JSON.parse(this.json) as typeof body;
    } catch {
      return;
    }
    this.readUsage(body);
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

  private onEvent(data: string): void {
    if (data === '[DONE]') {
      this.done = true;
      return;
    }
    let chunk: { choices?: ChoiceLike[]; usage?: { completion_tokens?: unknown } | null };
    try {
      chunk = JSON.parse(data) as typeof chunk;
    } catch {
      return;
    }
    this.readUsage(chunk);
    const c = chunk?.choices?.[0];
    if (!c) return;
    const content = typeof c.delta?.content === 'string' ? c.delta.content : typeof c.text === 'string' ? c.text : '';
    const reasoning = typeof c.delta?.reasoning_content === 'string' ? c.delta.reasoning_content : '';
    if (content !== '' || reasoning !== '') {
      this.markFirst();
      this.chunks++;
      this.cb.onTokens?.(1);
    }
    this.answer += content;
    if (typeof c.finish_reason === 'string') this.finishReason = c.finish_reason;
  }
}
