/**
 * Requests a server will refuse for their length, found before any is sent: a turn whose prompt
 * length the generator knows (TurnSpec.promptTokens) and whose prompt plus max_tokens exceeds the
 * server's max-model-len gets a 400 from vLLM (and from kvlab's mock). Approximation: the chat
 * template adds a few tokens the count leaves out, and the server's tokenizer may count differently,
 * so the count is a lower bound near the limit.
 */
import type { TurnSpec, Workload } from './types.ts';

export interface LengthCheck {
  /** Requests whose known prompt plus max_tokens exceeds the limit. */
  over: number;
  /** Requests with a known prompt length (the ones checked). */
  checked: number;
  requests: number;
  maxModelLen: number;
  /** The longest prompt + max_tokens among the checked requests. */
  longest: number;
}

/** False when the turn's known prompt plus its max_tokens exceeds `maxModelLen` (true when unknown). */
export function fitsContext(t: TurnSpec, maxModelLen: number): boolean {
  return t.promptTokens === undefined || t.promptTokens + t.maxTokens <= maxModelLen;
}

export function checkLengths(w: Workload, maxModelLen: number): LengthCheck {
  let over = 0;
  let checked = 0;
  let requests = 0;
  let longest = 0;
  for (const s of w.scripts) {
    for (const t of s.turns) {
      requests++;
      if (t.promptTokens === undefined) continue;
      checked++;
      const need = t.promptTokens + t.maxTokens;
      if (need > longest) longest = need;
      if (!fitsContext(t, maxModelLen)) over++;
    }
  }
  return { over, checked, requests, maxModelLen, longest };
}

/** True when some turn of the workload has a known prompt length. */
export function hasKnownLengths(w: Workload): boolean {
  return w.scripts.some((s) => s.turns.some((t) => t.promptTokens !== undefined));
}

/** The warning for a check that found requests over the limit (null when none is). */
export function lengthWarning(c: LengthCheck): string | null {
  if (c.over === 0) return null;
  const share = ((100 * c.over) / c.requests).toFixed(1);
  return (
    `${c.over} of ${c.requests} requests (${share} %) need more than the server's max_model_len of ${c.maxModelLen} tokens ` +
    `(prompt + max_tokens, up to ${c.longest}): the server will refuse them (HTTP 400). ` +
    `Skip them (trace: --max-isl) or serve a longer context (e.g. --max-model-len ${c.longest} on kvlab's mock or vLLM).`
  );
}
