/**
 * `documents`: llm-d's multi-turn benchmark (multi-turn-benchmark.py). `conversations` conversations
 * of `turns` turns each; conversation i is about seed document i mod n. Turn 1 is an instruction for
 * the document's type (CODE or TEXT) followed by the whole document; later turns are follow-up
 * questions for that type, each used once per conversation before any repeats (seeded shuffle). The
 * history is kept, so every later turn re-sends the document: with prefix caching only the new turn
 * costs prefill. Think time before each later turn is uniform in [minDelay, maxDelay] seconds; at
 * most `parallel` conversations run at once (closed loop).
 *
 * Approximations: the instructions are our own (see document-prompts.ts); llm-d's workers also
 * pause before their first turn, ours start at once. Content is text only (tokenized by the sender).
 */
import { createRng, type Rng } from '../../core/rng.ts';
import { FOLLOW_UPS, INITIAL_INSTRUCTIONS } from './document-prompts.ts';
import { docTypeOf, type DocType, type SeedDocument } from './document-types.ts';
import { textMessage } from './messages.ts';
import { badParam, bool, int, num, resolveParams } from './params.ts';
import type { ConversationScript, TurnSpec, Workload, WorkloadDefinition } from './types.ts';
import { DOCUMENTS_DEFAULTS, type DocumentsParams } from './defaults.ts';

export { DOCUMENTS_DEFAULTS, type DocumentsParams };

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
        delayMs: t === 0 ? 0 : delayRng.uniform(p.minDelay, p.maxDelay) * 1000,
      });
    }
    scripts.push({ id: `doc-${i}`, preamble: [], turns, keepHistory: true, tags: { docType, document: doc.name } });
  }
  return {
    name: 'documents',
    scripts,
    schedule: { kind: 'closed', concurrency: p.parallel },
    params: { ...p, documents: docs.map((doc, k) => `${doc.name} (${types[k]})`) },
  };
}

export const documents: WorkloadDefinition<DocumentsParams, DocumentsInputs> = {
  name: 'documents',
  description: 'llm-d multi-turn benchmark: conversations about seed documents (CODE/TEXT), uniform think time',
  defaults: DOCUMENTS_DEFAULTS,
  build: buildDocuments,
};
