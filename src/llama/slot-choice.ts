/**
 * Which free slot a request takes (pure): the one whose cached tokens share the longest prefix with the
 * request's prompt, as llama.cpp's own server picks slots by prompt similarity, so a conversation's
 * next turn lands where its history is cached; ties (no slot shares anything, or several share as much)
 * go to the slot used least recently, which keeps the others' caches for their conversations.
 */

export interface SlotView {
  index: number;
  /** Tokens the slot's sequence holds in its cache, in order. */
  tokens: readonly number[];
  /** Order of the slot's last use (larger = more recent). */
  lastUsed: number;
}

/** Length of the common prefix of two token lists. */
export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** The chosen slot's index and how many prompt tokens it holds, or null when no slot is free. */
export function chooseSlot(free: readonly SlotView[], prompt: readonly number[]): { index: number; shared: number } | null {
  let best: { index: number; shared: number; lastUsed: number } | null = null;
  for (const s of free) {
    const shared = commonPrefixLength(s.tokens, prompt);
    if (best === null || shared > best.shared || (shared === best.shared && s.lastUsed < best.lastUsed)) best = { index: s.index, shared, lastUsed: s.lastUsed };
  }
  return best && { index: best.index, shared: best.shared };
}
