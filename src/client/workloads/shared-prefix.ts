/**
 * `shared-prefix`: inference-perf's shared-prefix load, the one llm-d's benchmarks and the real vLLM
 * runs of data/vllm-real use. `numGroups` shared system prompts of `systemPromptLen` tokens, each with
 * `usersPerGroup` users whose prompt is the system prompt followed by the user's own question of
 * `questionLen` tokens. The numGroups · usersPerGroup prompts are made once and shuffled; request i
 * sends prompt i mod N (so a prompt comes back every N requests, as inference-perf cycles its
 * prompts: after the first round only the last, partial block of a prompt is recomputed), asking for
 * `outputLen` tokens with ignore_eos. Load: `stages` (stages.ts), open loop. `preset` names one of the
 * presets of data/vllm-real/calibration.json (`general`, `codegen`, …), read by a loader
 * (shared-prefix-presets.ts) and passed in as `inputs.presets`.
 *
 * Approximations: inference-perf sends the prompt to /v1/completions as text decoded from random token
 * ids (it re-tokenizes to ~5 % more tokens than asked); here the prompt is ONE chat user message of
 * lorem tokens with the exact counts asked (the chat template adds its few framing tokens). The
 * per-group length distributions inference-perf can draw are fixed at their means.
 */
import { LOREM_WORDS, wordsParam, type PromptWords } from '../../core/tokenizers/prompt-words.ts';
import { createRng } from '../../core/rng.ts';
import { SHARED_PREFIX_DEFAULTS, type SharedPrefixParams } from './defaults.ts';
import { Type } from '@sinclair/typebox';
import { badParam, int, optional, resolveParams } from './params.ts';
import { parseStages, stageArrivals } from './stages.ts';
import type { ConversationScript, ScriptMessage, Workload, WorkloadDefinition } from './types.ts';

export { SHARED_PREFIX_DEFAULTS, type SharedPrefixParams };

/** A preset's numbers (inference-perf's names mapped to kvlab's). */
export type SharedPrefixPreset = Omit<SharedPrefixParams, 'preset' | 'seed'>;

export interface SharedPrefixInputs {
  /** Named presets (shared-prefix-presets.ts reads them from the calibration file). */
  presets?: Readonly<Record<string, SharedPrefixPreset>>;
}

/** `words`: what prompts are made of (default kvlab's o200k lorem; a model's with `--tokenizer`). */
export function buildSharedPrefix(overrides?: Partial<SharedPrefixParams>, inputs: SharedPrefixInputs = {}, words: PromptWords = LOREM_WORDS): Workload {
  const presetName = overrides?.preset ?? undefined;
  let base: Readonly<SharedPrefixParams> = SHARED_PREFIX_DEFAULTS;
  if (presetName !== undefined) {
    const presets = inputs.presets ?? {};
    const preset = presets[presetName];
    if (!preset) badParam('shared-prefix', 'preset', `unknown preset ${JSON.stringify(presetName)} (known: ${Object.keys(presets).join(', ') || 'none loaded'})`);
    base = { ...SHARED_PREFIX_DEFAULTS, ...preset, preset: presetName };
  }
  const p = resolveParams('shared-prefix', base, overrides, {
    preset: optional(Type.String({ minLength: 1, expected: 'a preset name' })),
    systemPromptLen: int(0),
    questionLen: int(0),
    outputLen: int(1),
    numGroups: int(1),
    usersPerGroup: int(1),
    stages: Type.String({ expected: 'a string "rate:durationS,…"' }),
    seed: int(),
  });
  if (p.systemPromptLen + p.questionLen < 1) badParam('shared-prefix', 'questionLen', 'a prompt needs at least one token: systemPromptLen + questionLen must be ≥ 1');
  const stages = parseStages(p.stages);
  if (typeof stages === 'string') badParam('shared-prefix', 'stages', stages);
  const rng = createRng(`shared-prefix/${p.seed}`);
  const textRng = rng.fork('text');
  const prompts: { message: ScriptMessage; group: number; user: number }[] = [];
  for (let g = 0; g < p.numGroups; g++) {
    const system = words.draw(textRng, p.systemPromptLen);
    const systemText = words.text(system);
    for (let u = 0; u < p.usersPerGroup; u++) {
      const question = words.draw(textRng, p.questionLen, p.systemPromptLen > 0);
      // The text of a concatenation is the concatenation of the texts (the question drawn continuing).
      const message: ScriptMessage = { role: 'user', content: systemText + words.text(question), contentTokens: system.concat(question) };
      prompts.push({ message, group: g, user: u });
    }
  }
  shuffle(prompts, rng.fork('order'));
  const arrivals = stageArrivals(stages, rng.fork('arrivals'));
  const scripts: ConversationScript[] = arrivals.map((atMs, i) => {
    const { message, group, user } = prompts[i % prompts.length];
    return {
      id: `req-${i}`,
      preamble: [],
      turns: [{ messages: [message], maxTokens: p.outputLen, ignoreEos: true, delayMs: 0, atMs }],
      keepHistory: false,
      tags: { group, user },
    };
  });
  return { name: 'shared-prefix', scripts, schedule: { kind: 'open' }, params: { ...p, ...wordsParam(words) } };
}

/** Fisher–Yates, seeded. */
function shuffle<T>(items: T[], rng: { int(lo: number, hi: number): number }): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
}

export const sharedPrefix: WorkloadDefinition<SharedPrefixParams, SharedPrefixInputs> = {
  name: 'shared-prefix',
  description: "inference-perf's shared-prefix load: shared system prompts × users' questions, cycled, in stages of constant rate",
  defaults: SHARED_PREFIX_DEFAULTS,
  build: (params, inputs, words) => buildSharedPrefix(params, inputs, words),
};
