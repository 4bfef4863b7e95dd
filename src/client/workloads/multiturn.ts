/**
 * `multiturn`: Dynamo's multiturn_bench (lib/bench). `numUsers` users talk at the same time (closed
 * loop, concurrency = numUsers), each for `numTurns` turns with the full history kept. Every user has
 * its own system prompt and sends lorem user messages of `numUserTokens` tokens; before every turn
 * after the first the user thinks for an exponential time with mean `meanDelayMs` (seeded per user).
 * `speculativePrefill` adds `nvext.agent_hints.speculative_prefill: true` to every request; `ping`
 * is Dynamo's smoke test: 1 user, 1 turn, 50 prompt and 50 completion tokens, no delay.
 * `arrivalIntervalMs` (kvlab's, not Dynamo's) makes it an open loop: user u arrives at u × the interval
 * and sends each later turn its think time after the previous one was due (or answered, if later), so
 * the traffic between two turns of a user grows with the think time — what evicts a conversation's
 * KV blocks between its turns.
 *
 * Approximations: Dynamo's system prompt is a fixed English sentence naming the user and its lorem
 * uses 62 words of ~1.3 tokens each; here both are lorem tokens (exact counts, distinct per user), so
 * the virtual cluster needs no BPE.
 */
import { exponential } from '../../core/distributions.ts';
import { LOREM_WORDS, wordsParam, type PromptWords } from '../../core/tokenizers/prompt-words.ts';
import { createRng } from '../../core/rng.ts';
import { SPECULATIVE_PREFILL_BODY } from './messages.ts';
import { DrawnContent, drawnMessage, scriptWithTurns } from './drawn-content.ts';
import { bool, int, num, optional, resolveParams } from './params.ts';
import type { ConversationScript, TurnSpec, Workload, WorkloadDefinition } from './types.ts';
import { MULTITURN_DEFAULTS, type MultiturnParams } from './defaults.ts';

export { MULTITURN_DEFAULTS, type MultiturnParams };

/** What --ping forces (Dynamo's smoke test). */
const PING = Object.freeze({ numUsers: 1, numTurns: 1, numUserTokens: 50, maxCompletionTokens: 50, meanDelayMs: 0 });

/** `words`: what prompts are made of (default kvlab's o200k lorem; a model's with `--tokenizer`). */
export function buildMultiturn(overrides?: Partial<MultiturnParams>, words: PromptWords = LOREM_WORDS): Workload {
  const resolved = resolveParams('multiturn', MULTITURN_DEFAULTS, overrides, {
    numUsers: int(1),
    numTurns: int(1),
    numUserTokens: int(1),
    maxCompletionTokens: int(1),
    ignoreEos: bool,
    meanDelayMs: num(0),
    speculativePrefill: bool,
    seed: int(),
    ping: bool,
    systemPromptTokens: int(0),
    arrivalIntervalMs: optional(num(0)),
  });
  const open = (resolved.arrivalIntervalMs ?? 0) > 0;
  const p: MultiturnParams = resolved.ping ? { ...resolved, ...PING } : resolved;
  const rng = createRng(`multiturn/${p.seed}`);
  const scripts: ConversationScript[] = [];
  const withSystem = p.systemPromptTokens > 0;
  for (let u = 0; u < p.numUsers; u++) {
    const delayRng = rng.fork(`user-${u}`).fork('delay');
    // The user's text is drawn when the conversation is first read (drawn-content.ts): the system
    // prompt, then every turn's message, from the user's own stream, as a whole build would.
    const content = new DrawnContent(() => {
      const textRng = rng.fork(`user-${u}`).fork('text');
      const parts: number[][] = withSystem ? [words.draw(textRng, p.systemPromptTokens)] : [];
      for (let t = 0; t < p.numTurns; t++) parts.push(words.draw(textRng, p.numUserTokens));
      return parts;
    }, words);
    const first = withSystem ? 1 : 0;
    const preamble = withSystem ? [drawnMessage('system', content, 0)] : [];
    const delays: number[] = [];
    for (let t = 0; t < p.numTurns; t++) delays[t] = t === 0 ? (open ? u * resolved.arrivalIntervalMs! : 0) : p.meanDelayMs === 0 ? 0 : exponential(delayRng, p.meanDelayMs);
    // The turns are made from the delays and the drawn content when read (kept while the content is
    // drawn): a user not yet reached holds its delays only.
    const make = (): TurnSpec[] =>
      Array.from(delays, (delayMs, t) => ({
        messages: [drawnMessage('user', content, first + t)],
        maxTokens: p.maxCompletionTokens,
        ignoreEos: p.ignoreEos,
        delayMs,
        ...(p.speculativePrefill ? { extraBody: structuredClone(SPECULATIVE_PREFILL_BODY) } : {}),
      }));
    scripts.push(scriptWithTurns({ id: `user-${u}`, preamble, keepHistory: true, tags: { user: u } }, content, make));
  }
  return {
    name: 'multiturn',
    scripts,
    schedule: open ? { kind: 'open' } : { kind: 'closed', concurrency: p.numUsers },
    params: { ...p, ...wordsParam(words) },
  };
}

export const multiturn: WorkloadDefinition<MultiturnParams, void> = {
  name: 'multiturn',
  description: "Dynamo multiturn_bench: concurrent users, lorem turns, exponential think time",
  defaults: MULTITURN_DEFAULTS,
  optionalParams: ['arrivalIntervalMs'],
  build: (params, _inputs, words) => buildMultiturn(params, words),
};
