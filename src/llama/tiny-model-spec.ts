/**
 * The shape of a kvlab tiny model (`kvlab make-model`'s flags) with its defaults and checks; light, so
 * the CLI can read defaults without loading the tokenizer trainer.
 */
import { SPECIAL_TOKEN_TEXTS } from './chat-format.ts';

export interface TinyModelSpec {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  /** Total vocabulary: bytes, merges and the special tokens. */
  vocab: number;
  /** Context length written as llama.context_length (the most a context may be given). */
  context: number;
  seed: number;
}

/** The tiny model: 3.7 M parameters, 15 MB. */
export const DEFAULT_TINY_MODEL: Readonly<TinyModelSpec> = Object.freeze({
  hidden: 256,
  layers: 4,
  heads: 8,
  kvHeads: 8,
  ffn: 768,
  vocab: 512,
  context: 8192,
  seed: 1,
});

/** Throws RangeError naming the first field that cannot make a working model. */
export function checkTinyModelSpec(s: TinyModelSpec): void {
  const positive = ['hidden', 'layers', 'heads', 'kvHeads', 'ffn', 'vocab', 'context'] as const;
  for (const k of positive) if (!Number.isInteger(s[k]) || s[k] < 1) throw new RangeError(`${k} must be a positive integer, got ${s[k]}`);
  if (s.hidden % s.heads !== 0) throw new RangeError(`hidden (${s.hidden}) must be a multiple of heads (${s.heads})`);
  if (s.heads % s.kvHeads !== 0) throw new RangeError(`heads (${s.heads}) must be a multiple of kvHeads (${s.kvHeads})`);
  if ((s.hidden / s.heads) % 2 !== 0) throw new RangeError(`the head size hidden/heads (${s.hidden / s.heads}) must be even (rotary embedding)`);
  const least = 256 + SPECIAL_TOKEN_TEXTS.length;
  if (s.vocab < least) throw new RangeError(`vocab must be at least ${least} (256 bytes and ${SPECIAL_TOKEN_TEXTS.length} special tokens), got ${s.vocab}`);
  if (s.context < 64) throw new RangeError(`context must be at least 64, got ${s.context}`);
}

