/**
 * `prefix-ratio`: Dynamo's prefix_ratio_benchmark. A pool of `numPrefixPrompts` shared prefixes of
 * round(isl · prefixRatio) lorem tokens; each of `requests` single-turn requests picks one prefix at
 * random (its `prefixGroup`) and appends a fresh user part of isl · (1 − prefixRatio) tokens ± 25 %
 * (uniform), asking for osl ± 25 % tokens with ignore_eos. The prompt is ONE user message whose
 * tokens are prefix + user part, so its text is a true text prefix too. At most `concurrency`
 * requests are in flight (closed loop). One workload is one ratio; the CLI loops over ratios.
 *
 * Each prefix's text is built once; a request keeps only its own token ids (a typed array) and its
 * message is written out when read (its text by a real client, its ids by the virtual cluster), so
 * 200 requests of 16k tokens are not 200 long texts and id arrays kept on the heap until sent.
 *
 * Approximation: Dynamo sizes its text with a real tokenizer; ours are exact lorem token counts.
 */
import { loremTokenArray } from '../../core/lorem.ts';
import { LOREM_WORDS, wordsParam, type PromptWords } from '../../core/tokenizers/prompt-words.ts';
import { lazyLoremMessage } from './messages.ts';
import { createRng, type Rng } from '../../core/rng.ts';
import { int, num, resolveParams } from './params.ts';
import type { ConversationScript, Workload, WorkloadDefinition } from './types.ts';
import { PREFIX_RATIO_DEFAULTS, type PrefixRatioParams } from './defaults.ts';

export { PREFIX_RATIO_DEFAULTS, type PrefixRatioParams };

/** Relative spread of the user part and of the output length (± 25 %). */
export const LENGTH_SPREAD = 0.25;

/** base · (1 ± spread), uniform, rounded, at least `min`. */
function jitter(base: number, rng: Rng, min: number): number {
  return Math.max(min, Math.round(rng.uniform(base * (1 - LENGTH_SPREAD), base * (1 + LENGTH_SPREAD))));
}

/** `words`: what prompts are made of (default kvlab's o200k lorem; a model's with `--tokenizer`). */
export function buildPrefixRatio(overrides?: Partial<PrefixRatioParams>, words: PromptWords = LOREM_WORDS): Workload {
  const p = resolveParams('prefix-ratio', PREFIX_RATIO_DEFAULTS, overrides, {
    prefixRatio: num(0, 1),
    isl: int(1),
    osl: int(1),
    requests: int(1),
    concurrency: int(1),
    numPrefixPrompts: int(1),
    seed: int(),
  });
  const rng = createRng(`prefix-ratio/${p.seed}`);
  const prefixLen = Math.round(p.isl * p.prefixRatio);
  const userBase = p.isl - prefixLen;
  const prefixRng = rng.fork('prefixes');
  const prefixes = Array.from({ length: p.numPrefixPrompts }, () => words.draw(prefixRng, prefixLen));
  // The text of a concatenation is the concatenation of the texts (the user part drawn continuing):
  // build each prefix's text once.
  const prefixTexts = prefixes.map((tokens) => words.text(tokens));
  // ... and its ids once as a typed array, which a prompt buffer takes in one copy.
  const prefixIds = prefixes.map((tokens) => Int32Array.from(tokens));
  // Lorem user parts as Int32Arrays: a long workload's prompts stay off the JavaScript heap.
  const drawUser = words === LOREM_WORDS ? loremTokenArray : (r: Rng, n: number) => words.draw(r, n, prefixLen > 0);
  const pickRng = rng.fork('requests');
  const scripts: ConversationScript[] = [];
  for (let k = 0; k < p.requests; k++) {
    const group = pickRng.int(0, p.numPrefixPrompts - 1);
    // A prompt needs at least one token: with ratio 0 the user part alone carries the request.
    const userLen = jitter(userBase, pickRng, prefixLen > 0 ? 0 : 1);
    const maxTokens = jitter(p.osl, pickRng, 1);
    const user = drawUser(pickRng, userLen);
    const message = lazyLoremMessage('user', [prefixIds[group], user], [prefixTexts[group]], words);
    scripts.push({
      id: `req-${k}`,
      preamble: [],
      turns: [{ messages: [message], maxTokens, ignoreEos: true, delayMs: 0 }],
      keepHistory: false,
      tags: { prefixGroup: group, prefixRatio: p.prefixRatio },
    });
  }
  return {
    name: 'prefix-ratio',
    scripts,
    schedule: { kind: 'closed', concurrency: p.concurrency },
    params: { ...p, prefixTokens: prefixLen, ...wordsParam(words) },
  };
}

export const prefixRatio: WorkloadDefinition<PrefixRatioParams, void> = {
  name: 'prefix-ratio',
  description: 'Dynamo prefix_ratio_benchmark: one-turn requests sharing isl·ratio prefix tokens in groups',
  defaults: PREFIX_RATIO_DEFAULTS,
  build: (params, _inputs, words) => buildPrefixRatio(params, words),
};
