/**
 * Per-request timing and content of one OpenAI-compatible answer, from the moments its chunks arrived.
 * Pure: the transport passes each read's timestamp in. Owns the metric definitions:
 *
 * - TTFT: first token of ANY kind (answer `content`/`text`, or `reasoning_content` / `reasoning`).
 * - TTFAT: first answer (non-reasoning) token.
 * - ITL: gaps between successive token-carrying chunks (a chunk with several tokens counts once, as
 *   in vLLM's benchmark; role-only and usage-only chunks carry no token). Chunks that arrive in the
 *   same socket read share that read's timestamp, so a burst shows as 0 ms gaps: what the client saw.
 * - E2E: send to end of stream. TPOT = (E2E − TTFT) / (output tokens − 1), null below 2 tokens.
 * - Engine TTFT: the server's own `nvext.timing.first_token_ms − arrival_ms` (kvlab's mock stamps it on
 *   its final chunks and bodies; the last stamp wins), null when the answer carried none. Client TTFT
 *   minus engine TTFT is the serving overhead (core/records).
 *
 * Approximation: without streaming there is no first-token time, so TTFT, TTFAT, ITL and TPOT are null.
 */
import type { ScannedChunk } from './chunk-scan.ts';
import type { SseError } from './sse.ts';

export interface Usage {
  promptTokens: number | null;
  completionTokens: number | null;
  cachedTokens: number | null;
  /** Of cachedTokens, those a kvlab engine loaded from its CPU / disk offload tier (`nvext.cached_tokens_by_medium`). */
  cpuCachedTokens?: number;
  diskCachedTokens?: number;
}

export interface ResponseTiming {
  ttftMs: number | null;
  ttfatMs: number | null;
  e2eMs: number;
  itlMs: number[];
  /** The server's own TTFT from `nvext.timing`, ms; null when the answer carried none. */
  engineTtftMs: number | null;
  /** The answer text (content), reasoning excluded. */
  content: string;
  /** Reasoning text (reasoning_content / reasoning), if any. */
  reasoning: string;
  usage: Usage | null;
  finishReason: string | null;
  /** Token-carrying chunks received. */
  tokenChunks: number;
  sawDone: boolean;
  error: SseError | null;
}

function rec(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Usage of a chunk or body (null when absent). */
export function usageOf(body: Record<string, unknown>): Usage | null {
  const u = rec(body.usage);
  if (!u) return null;
  const details = rec(u.prompt_tokens_details);
  const byMedium = rec(rec(body.nvext)?.cached_tokens_by_medium);
  const cpu = byMedium ? num(byMedium.CPU) : null;
  return {
    promptTokens: num(u.prompt_tokens),
    completionTokens: num(u.completion_tokens),
    cachedTokens: details ? num(details.cached_tokens) : null,
    ...(cpu !== null ? { cpuCachedTokens: cpu, diskCachedTokens: num(byMedium!.DISK) ?? 0 } : {}),
  };
}

interface Pieces {
  content: string;
  reasoning: string;
  /** A tool call's name or arguments arrived (a generated token, but no answer text). */
  tool: boolean;
  finishReason: string | null;
}

/** A non-empty tool-call `function.name` or `function.arguments` among a delta's `tool_calls`. */
function hasToolPiece(part: Record<string, unknown>): boolean {
  if (!Array.isArray(part.tool_calls)) return false;
  for (const t of part.tool_calls) {
    const f = rec(rec(t)?.function);
    if (f && ((typeof f.name === 'string' && f.name !== '') || (typeof f.arguments === 'string' && f.arguments !== ''))) return true;
  }
  return false;
}

/** Engine TTFT of a chunk's or body's `nvext.timing` (first_token_ms − arrival_ms), or null. */
export function engineTtftOf(body: Record<string, unknown>): number | null {
  const nv = rec(body.nvext);
  const t = nv ? rec(nv.timing) : null;
  if (!t) return null;
  const arrival = num(t.arrival_ms);
  const first = num(t.first_token_ms);
  return arrival === null || first === null ? null : first - arrival;
}

/**
 * Text pieces of the first choice of a chunk or body: chat `delta`/`message` or completions `text`. A
 * generated token is a non-empty `content`, `reasoning_content`, `reasoning`, `text`, or tool-call
 * `name`/`arguments` — the router's rule too (router-sim/server/sse-scan.ts).
 */
export function piecesOf(body: Record<string, unknown>): Pieces {
  const choices = Array.isArray(body.choices) ? body.choices : [];
  const c = rec(choices[0]);
  if (!c) return { content: '', reasoning: '', tool: false, finishReason: null };
  const part = rec(c.delta) ?? rec(c.message);
  let content = '';
  let reasoning = '';
  let tool = false;
  if (part) {
    tool = hasToolPiece(part);
    if (typeof part.content === 'string') content = part.content;
    if (typeof part.reasoning_content === 'string') reasoning = part.reasoning_content;
    else if (typeof part.reasoning === 'string') reasoning = part.reasoning;
  } else if (typeof c.text === 'string') {
    content = c.text;
  }
  return { content, reasoning, tool, finishReason: typeof c.finish_reason === 'string' ? c.finish_reason : null };
}

/** Accumulates a streamed answer. `startMs` is when the request was sent, on the caller's clock. */
export class StreamTimer {
  private firstTokenAt: number | null = null;
  private firstAnswerAt: number | null = null;
  private lastTokenAt: number | null = null;
  private readonly itl: number[] = [];
  private content = '';
  private reasoning = '';
  private usage: Usage | null = null;
  private finishReason: string | null = null;
  private tokenChunks = 0;
  private done = false;
  private error: SseError | null = null;
  private engineTtft: number | null = null;

  constructor(private readonly startMs: number) {}

  /** One JSON chunk of the stream, received at `atMs`. */
  chunk(data: Record<string, unknown>, atMs: number): void {
    const p = piecesOf(data);
    this.take(usageOf(data), engineTtftOf(data), p.content, p.reasoning, p.tool, p.finishReason, atMs);
  }

  /** The same, read from the chunk's bytes by the byte scanner (http/chunk-scan.ts). */
  scanned(c: ScannedChunk, atMs: number): void {
    this.take(c.usage, c.engineTtftMs, c.content, c.reasoning, c.tool, c.finishReason, atMs);
  }

  private take(usage: Usage | null, engineTtft: number | null, content: string, reasoning: string, tool: boolean, finishReason: string | null, atMs: number): void {
    if (usage) this.usage = usage;
    if (engineTtft !== null) this.engineTtft = engineTtft;
    if (finishReason) this.finishReason = finishReason;
    if (content === '' && reasoning === '' && !tool) return;
    this.tokenChunks++;
    if (this.firstTokenAt === null) this.firstTokenAt = atMs;
    if (content !== '' && this.firstAnswerAt === null) this.firstAnswerAt = atMs;
    if (this.lastTokenAt !== null) this.itl.push(atMs - this.lastTokenAt);
    this.lastTokenAt = atMs;
    this.content += content;
    this.reasoning += reasoning;
  }

  markDone(): void {
    this.done = true;
  }

  /** An error reported by the stream; the first one wins. */
  fail(error: SseError): void {
    if (!this.error) this.error = error;
  }

  finish(endMs: number): ResponseTiming {
    return {
      ttftMs: this.firstTokenAt === null ? null : this.firstTokenAt - this.startMs,
      ttfatMs: this.firstAnswerAt === null ? null : this.firstAnswerAt - this.startMs,
      e2eMs: endMs - this.startMs,
      itlMs: this.itl,
      engineTtftMs: this.engineTtft,
      content: this.content,
      reasoning: this.reasoning,
      usage: this.usage,
      finishReason: this.finishReason,
      tokenChunks: this.tokenChunks,
      sawDone: this.done,
      error: this.error,
    };
  }
}

/** Timing of a non-streamed answer: only E2E is measurable. */
export function timingOfBody(body: Record<string, unknown>, startMs: number, endMs: number): ResponseTiming {
  const p = piecesOf(body);
  return {
    ttftMs: null,
    ttfatMs: null,
    e2eMs: endMs - startMs,
    itlMs: [],
    engineTtftMs: engineTtftOf(body),
    content: p.content,
    reasoning: p.reasoning,
    usage: usageOf(body),
    finishReason: p.finishReason,
    tokenChunks: 0,
    sawDone: true,
    error: null,
  };
}

/** TPOT from the definitions above. */
export function tpotOf(e2eMs: number | null, ttftMs: number | null, outputTokens: number | null): number | null {
  if (e2eMs === null || ttftMs === null || outputTokens === null || outputTokens < 2) return null;
  return (e2eMs - ttftMs) / (outputTokens - 1);
}
