/**
 * `documents`: llm-d's multi-turn benchmark (llm-d-benchmark's multi-turn-benchmark.py), its schedule
 * as that tool runs it. `conversations` conversations of `turns` turns each; conversation i is about
 * seed document i mod n. Turn 1 is an instruction for the document's type (CODE or TEXT) followed by
 * the whole document; later turns are follow-up questions for that type, each used once per
 * conversation before any repeats (seeded shuffle). The history is kept, so every later turn
 * re-sends the document: with prefix caching only the new turn costs prefill.
 *
 * Schedule (read from the tool's `run_parallel_conversations` and `run_warmup`): `parallel` workers
 * share one queue of conversations and take one TURN at a time (schedule `queue`), so conversations
 * interleave; a worker pauses uniform(minDelay, maxDelay) seconds before EVERY turn, the first
 * included; before all that, 20 short unrelated questions (max_tokens 50) go one at a time,
 * unmeasured (the workload's warm-up plan: `--warmup N` changes the count, `--warmup 0` skips it).
 * `firstTurnDelay: false` and `interleaveTurns: false` give kvlab's earlier schedule (turn 1 at once;
 * one conversation per worker to its end). The pauses come from the workload seed, so the same seed
 * gives the same schedule (llm-d's are unseeded).
 *
 * Approximations: the instructions and warm-up questions are our own (document-prompts.ts); llm-d
 * picks follow-ups at random with repeats and frames the document differently. Content is text only
 * (tokenized by the sender). Every remaining difference is listed in the README's workload table.
 */
import { createRng, type Rng } from '../../core/rng.ts';
import { FOLLOW_UPS, INITIAL_INSTRUCTIONS, WARMUP_QUESTIONS } from './document-prompts.ts';
import { docTypeOf, type DocType, type SeedDocument } from './document-types.ts';
import { textMessage } from './messages.ts';
import { badParam, bool, int, num, resolveParams } from './params.ts';
import type { ConversationScript, TurnSpec, WarmupPlan, Workload, WorkloadDefinition } from './types.ts';
import { DOCUMENTS_DEFAULTS, type DocumentsParams } from './defaults.ts';

export { DOCUMENTS_DEFAULTS, type DocumentsParams };

/** llm-d's warm-up: 20 requests, one at a time, 50 tokens each (multi-turn-benchmark.py `run_warmup`). */
export const DOCUMENTS_WARMUP_REQUESTS = 20;
export const DOCUMENTS_WARMUP_MAX_TOKENS = 50;

function warmupPlan(): WarmupPlan {
  return {
    requests: DOCUMENTS_WARMUP_REQUESTS,
    concurrency: 1,
    turns: WARMUP_QUESTIONS.map((q) => ({ messages: [textMessage('user', q)], maxTokens: DOCUMENTS_WARMUP_MAX_TOKENS, ignoreEos: false, delayMs: 0 })),
  };
}

export interface DocumentsInputs {
  documents: readonly SeedDocument[];
}

function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The first user message: an instruction, then the document framed by its name. */
export function documentPrompt(instruction: string, doc: SeedDocument): string {
  return `${instruction}\n\n--- ${doc.name} ---\n${doc.content}\n--- end of ${doc.name} ---`;
}

export function buildDocuments(overrides: Partial<DocumentsParams> | undefined, inputs: DocumentsInputs | undefined): Workload {
  const p = resolveParams('documents', DOCUMENTS_DEFAULTS, overrides, {
    conversations: int(1),
    turns: int(1),
    maxTokens: int(1),
    parallel: int(1),
    minDelay: num(0),
    maxDelay: num(0),
    firstTurnDelay: bool,
    interleaveTurns: bool,
    ignoreEos: bool,
    seed: int(),
  });
  if (p.maxDelay < p.minDelay) badParam('documents', 'maxDelay', `must be ≥ minDelay (${p.minDelay}), got ${p.maxDelay}`);
  const docs = inputs?.documents ?? [];
  if (docs.length === 0) badParam('documents', 'documents', 'no seed documents given (load a folder with loadDocuments)');
  const types: DocType[] = docs.map((d) => {
    const t = d.docType ?? docTypeOf(d.name);
    if (t === null) badParam('documents', 'documents', `${JSON.stringify(d.name)} is neither CODE nor TEXT by its extension`);
    return t;
  });

  const rng = createRng(`documents/${p.seed}`);
  const scripts: ConversationScript[] = [];
  for (let i = 0; i < p.conversations; i++) {
    const d = i % docs.length;
    const doc = docs[d];
    const docType = types[d];
    const convRng = rng.fork(`conv-${i}`);
    const followUps = shuffled(FOLLOW_UPS[docType], convRng.fork('follow-ups'));
    const delayRng = convRng.fork('delay');
    const turns: TurnSpec[] = [];
    for (let t = 0; t < p.turns; t++) {
      const content = t === 0 ? documentPrompt(convRng.pick(INITIAL_INSTRUCTIONS[docType]), doc) : followUps[(t - 1) % followUps.length];
      turns.push({
        messages: [textMessage('user', content)],
        maxTokens: p.maxTokens,
        ignoreEos: p.ignoreEos,
        delayMs: t === 0 && !p.firstTurnDelay ? 0 : delayRng.uniform(p.minDelay, p.maxDelay) * 1000,
      });
    }
    scripts.push({ id: `doc-${i}`, preamble: [], turns, keepHistory: true, tags: { docType, document: doc.name } });
  }
  return {
    name: 'documents',
    scripts,
    schedule: p.interleaveTurns ? { kind: 'queue', workers: p.parallel } : { kind: 'closed', concurrency: p.parallel },
    params: { ...p, documents: docs.map((doc, k) => `${doc.name} (${types[k]})`) },
    warmup: warmupPlan(),
  };
}

export const documents: WorkloadDefinition<DocumentsParams, DocumentsInputs> = {
  name: 'documents',
  description: "llm-d multi-turn benchmark: conversations about seed documents (CODE/TEXT), llm-d's turn queue, warm-up and uniform think time before every turn",
  defaults: DOCUMENTS_DEFAULTS,
  build: buildDocuments,
};
