/**
 * vLLM's `generate_conversations` spec (benchmarks/multi_turn/bench_dataset.py): synthetic
 * conversations whose lengths come from distributions, with text cut from a corpus.
 *
 * Meanings follow vLLM:
 * - `num_turns` counts MESSAGES, user and assistant alike: a draw is raised to at least 2 and rounded
 *   up to an even number, and the conversation has num_turns / 2 user turns (requests).
 * - `common_prefix_num_tokens` (optional, default 0; drawn once) tokens open the first message of
 *   EVERY conversation; they are counted inside that message's `num_tokens`.
 * - `prefix_num_tokens` (drawn per conversation) tokens of context follow the conversation's marker
 *   in its first message, on top of `num_tokens`.
 * - `num_tokens` (drawn per user turn, at least the instruction's length) sizes each user message:
 *   a marker naming the conversation (so no two conversations share more than the common prefix),
 *   an instruction, and corpus text filling the rest.
 * - `prompt_output.num_tokens` (per turn, at least 1) is the reference answer length, i.e. the
 *   turn's max_tokens unless the run's limits override it.
 *
 * Text comes from the corpus (the spec's `text_files`, passed in as strings) read in order and
 * cyclically, or from seeded lorem when there is none. Each message carries `contentTokens` =
 * encode(content), so the virtual cluster needs no BPE. Approximations: vLLM jumps between corpus
 * offsets per conversation and fails when the corpus runs out, we read on cyclically; the marker and
 * instruction are our own words; token counts are o200k's, exact up to merges at piece boundaries.
 */
import { makeError } from '../../core/errors.ts';
import { parseDistSpec, sampleInt, type DistSpec } from '../../core/distributions.ts';
import { loremText } from '../../core/lorem.ts';
import type { Rng } from '../../core/rng.ts';
import { countTokens, decode, encode } from '../../core/tokenizer.ts';
import type { ReferenceConversation, ReferenceTurn } from './reference-conversation.ts';

export interface GenerateConversationsSpec {
  filetype: 'generate_conversations';
  num_conversations: number;
  text_files: string[];
  print_stats: boolean;
  prompt_input: {
    num_turns: DistSpec;
    common_prefix_num_tokens: DistSpec;
    prefix_num_tokens: DistSpec;
    num_tokens: DistSpec;
  };
  prompt_output: { num_tokens: DistSpec };
}

/** The instruction every user message carries before its corpus text (our words). */
export const SPEC_INSTRUCTION = ' Rewrite the following passage in your own words and continue it:';

function bad(path: string, detail: string): never {
  throw makeError('invalid_config', { path, detail });
}

function section(o: Record<string, unknown>, name: string, path: string): Record<string, unknown> {
  const s = o[name];
  if (typeof s !== 'object' || s === null || Array.isArray(s)) bad(`${path}.${name}`, 'missing or not an object');
  return s as Record<string, unknown>;
}

/** Validate a generate_conversations spec; `path` names the input in errors. */
export function parseGenerateSpec(x: unknown, path = 'input'): GenerateConversationsSpec {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) bad(path, 'expected a generate_conversations object');
  const o = x as Record<string, unknown>;
  if (o.filetype !== 'generate_conversations') {
    bad(`${path}.filetype`, `expected "generate_conversations", got ${JSON.stringify(o.filetype)}`);
  }
  const n = o.num_conversations;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) bad(`${path}.num_conversations`, `must be an integer ≥ 1, got ${JSON.stringify(n)}`);
  const files = o.text_files ?? [];
  if (!Array.isArray(files) || !files.every((f) => typeof f === 'string')) bad(`${path}.text_files`, 'must be a list of file names');
  const printStats = o.print_stats ?? false;
  if (typeof printStats !== 'boolean') bad(`${path}.print_stats`, 'must be true or false');
  const input = section(o, 'prompt_input', path);
  const output = section(o, 'prompt_output', path);
  const ip = `${path}.prompt_input`;
  return {
    filetype: 'generate_conversations',
    num_conversations: n,
    text_files: files as string[],
    print_stats: printStats,
    prompt_input: {
      num_turns: parseDistSpec(input.num_turns, `${ip}.num_turns`),
      common_prefix_num_tokens:
        input.common_prefix_num_tokens === undefined
          ? { distribution: 'constant', value: 0 }
          : parseDistSpec(input.common_prefix_num_tokens, `${ip}.common_prefix_num_tokens`),
      prefix_num_tokens: parseDistSpec(input.prefix_num_tokens, `${ip}.prefix_num_tokens`),
      num_tokens: parseDistSpec(input.num_tokens, `${ip}.num_tokens`),
    },
    prompt_output: { num_tokens: parseDistSpec(output.num_tokens, `${path}.prompt_output.num_tokens`) },
  };
}

/** User turns of a conversation from a num_turns draw (vLLM: ≥ 2 messages, rounded up to even). */
export function userTurnsFromMessages(numMessages: number): number {
  const m = Math.max(2, numMessages);
  return (m + (m % 2)) / 2;
}

/** Text of the next n tokens of a source. */
type TextSource = (n: number) => string;

function corpusSource(corpus: readonly string[]): TextSource | null {
  const tokens = encode(corpus.join('\n\n'));
  if (tokens.length === 0) return null;
  let cursor = 0;
  return (n) => {
    const out: number[] = [];
    while (out.length < n) {
      const take = Math.min(n - out.length, tokens.length - cursor);
      for (let i = 0; i < take; i++) out.push(tokens[cursor + i]);
      cursor = (cursor + take) % tokens.length;
    }
    return decode(out);
  };
}

function loremSource(rng: Rng): TextSource {
  return (n) => loremText(rng, n).text;
}

/** Generate the spec's conversations (pure: the corpus texts are passed in). */
export function generateConversations(spec: GenerateConversationsSpec, corpus: readonly string[], rng: Rng): ReferenceConversation[] {
  const take = corpusSource(corpus) ?? loremSource(rng.fork('lorem'));
  const instructionTokens = countTokens(SPEC_INSTRUCTION);
  const turnsRng = rng.fork('num_turns');
  const prefixRng = rng.fork('prefix_num_tokens');
  const commonLen = sampleInt(spec.prompt_input.common_prefix_num_tokens, rng.fork('common_prefix_num_tokens'));
  const common = commonLen > 0 ? take(commonLen) : '';
  const conversations: ReferenceConversation[] = [];
  for (let c = 0; c < spec.num_conversations; c++) {
    const userTurns = userTurnsFromMessages(sampleInt(spec.prompt_input.num_turns, turnsRng));
    const prefixLen = sampleInt(spec.prompt_input.prefix_num_tokens, prefixRng);
    const convRng = rng.fork(`conv-${c}`);
    const marker = `[conversation ${c}]`;
    const turns: ReferenceTurn[] = [];
    for (let t = 0; t < userTurns; t++) {
      const budget = Math.max(sampleInt(spec.prompt_input.num_tokens, convRng), instructionTokens);
      const head = t === 0 ? common + marker : marker;
      let content = head;
      if (t === 0 && prefixLen > 0) content += take(prefixLen);
      content += SPEC_INSTRUCTION;
      const filler = budget - countTokens(head) - instructionTokens;
      if (filler > 0) content += take(filler);
      const answerTokens = Math.max(1, sampleInt(spec.prompt_output.num_tokens, convRng));
      turns.push({ user: { role: 'user', content, contentTokens: encode(content) }, answerTokens });
    }
    conversations.push({ id: `conv-${c}`, preamble: [], turns });
  }
  return conversations;
}
