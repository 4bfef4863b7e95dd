/**
 * How the llama-worker fills each llama.cpp batch from the tokens its slots have queued (pure; given
 * to node-llama-cpp as its batch prioritization strategy): first every generating slot's next token,
 * then prompt tokens in arrival order, each prompt taking all the room left before the next gets any.
 * That is what llama.cpp's own server does (tools/server: sampled tokens join the batch first, then
 * slots' prompts fill it up to n_batch) and what vLLM's chunked prefill does (running decodes first,
 * then prefill chunks first come, first served) — and what kvlab's simulated engine does, so a
 * simulation of the worker schedules as it does. node-llama-cpp's default instead shares every batch
 * evenly among the queued prompts, which makes concurrent prompts all finish late together.
 *
 * Approximation: a queued item of one token counts as a decode; a prompt with one token left to
 * compute (all the rest cached) is then served as one, a token earlier than llama.cpp's server would.
 */

/** The parts of node-llama-cpp's BatchItem and PrioritizedBatchItem this needs (structurally the same). */
export interface QueuedItem {
  readonly tokens: readonly unknown[];
}

export interface BatchShare<I extends QueuedItem> {
  item: I;
  processAmount: number;
}

/** The batch of at most `size` tokens taken from `items` (in the order they were queued). */
export function decodesFirstBatch<I extends QueuedItem>({ items, size }: { items: readonly I[]; size: number }): BatchShare<I>[] {
  const out: BatchShare<I>[] = [];
  let left = size;
  for (const item of items) {
    if (left === 0) break;
    if (item.tokens.length === 1) {
      out.push({ item, processAmount: 1 });
      left--;
    }
  }
  for (const item of items) {
    if (left === 0) break;
    if (item.tokens.length > 1) {
      const n = Math.min(item.tokens.length, left);
      out.push({ item, processAmount: n });
      left -= n;
    }
  }
  return out;
}
