/**
 * A byte-level BPE tokenizer trained for a tiny model (the vocabulary llama.cpp reads as
 * `tokenizer.ggml.model = "gpt2"`). Bytes are written as GPT-2's byte-to-unicode characters (bytes
 * '!'..'~', '¡'..'¬', '®'..'ÿ' stand for themselves; the other 68 bytes take code points 256, 257, …
 * in byte order), text is split into pre-tokens with GPT-2's pattern, and merges are learned greedily:
 * the most frequent adjacent pair over the corpus's pre-tokens (ties: the smaller pair string) is merged,
 * until the vocabulary is full.
 *
 * Deterministic: same corpus and size → same vocabulary and merges. Approximation: merges are learned
 * over distinct pre-tokens weighted by their counts (the classic algorithm), recounting every pair on
 * every merge — fine for a few hundred merges over a few thousand distinct words.
 */

/** GPT-2's pre-tokenizer pattern (contractions, letters, digits, other symbols, whitespace). */
export const GPT2_PRETOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Byte value → the character GPT-2's byte-level BPE writes it as. */
export const BYTE_CHARS: readonly string[] = (() => {
  const direct = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const chars: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) chars.push(String.fromCodePoint(direct(b) ? b : next++));
  return Object.freeze(chars);
})();

export interface ByteBpe {
  /** Token strings in id order: the 256 bytes, then one per merge. */
  tokens: string[];
  /** Merges in rank order, as "left right". */
  merges: string[];
}

/** The byte-level characters of a text's UTF-8 bytes. */
export function byteChars(text: string): string[] {
  return [...Buffer.from(text, 'utf8')].map((b) => BYTE_CHARS[b]);
}

/** Learn merges from `corpus` until there are `vocabSize` tokens (at least the 256 bytes). */
export function trainByteBpe(corpus: string, vocabSize: number): ByteBpe {
  if (!Number.isInteger(vocabSize) || vocabSize < 256) throw new RangeError(`a byte-level vocabulary needs at least 256 tokens, got ${vocabSize}`);
  const counts = new Map<string, number>();
  for (const m of corpus.matchAll(GPT2_PRETOKENIZE)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  const words = [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([w, n]) => ({ parts: byteChars(w), n }));
  const tokens = [...BYTE_CHARS];
  const known = new Set(tokens);
  const merges: string[] = [];
  while (tokens.length < vocabSize) {
    const pairs = new Map<string, number>();
    for (const { parts, n } of words) {
      for (let i = 0; i + 1 < parts.length; i++) {
        const key = `${parts[i]} ${parts[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    let best: string | null = null;
    let bestN = 0;
    for (const [key, n] of pairs) if (n > bestN || (n === bestN && best !== null && key < best)) [best, bestN] = [key, n];
    if (best === null) break; // the corpus has no pair left: a smaller vocabulary
    const [left, right] = best.split(' ');
    const joined = left + right;
    for (const w of words) {
      const out: string[] = [];
      for (let i = 0; i < w.parts.length; i++) {
        if (i + 1 < w.parts.length && w.parts[i] === left && w.parts[i + 1] === right) {
          out.push(joined);
          i++;
        } else out.push(w.parts[i]);
      }
      w.parts = out;
    }
    merges.push(best);
    // Two merge orders can build the same string ("ab c", "a bc"): one token, both merges kept.
    if (!known.has(joined)) {
      known.add(joined);
      tokens.push(joined);
    }
  }
  return { tokens, merges };
}
