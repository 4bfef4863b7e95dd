/**
 * `--verify-output` (vLLM's multi-turn benchmark): compare every real answer with the reference
 * answer the input file holds for that turn. Only meaningful against a deterministic server that
 * reproduces the file's answers (e.g. replaying a file written with --output-file against the mock
 * with the same seed). Turns without a reference answer are not compared.
 */
import type { ChatMessage } from './runner/history.ts';

/** Per conversation id, the reference answer of each user turn (null: none). */
export type ExpectedAnswers = Map<string, (string | null)[]>;

function short(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}

/** One line per differing answer. */
export function verifyAnswers(transcripts: readonly { id: string; messages: readonly ChatMessage[] }[], expected: ExpectedAnswers): string[] {
  const out: string[] = [];
  for (const t of transcripts) {
    const ref = expected.get(t.id);
    if (!ref) continue;
    let turn = -1;
    for (let i = 0; i < t.messages.length; i++) {
      const m = t.messages[i];
      if (m.role === 'user') turn++;
      if (m.role !== 'assistant' || turn < 0) continue;
      const want = ref[turn];
      if (want === null || want === undefined) continue;
      if (m.content !== want) out.push(`${t.id} turn ${turn + 1}: got ${short(m.content)} (${m.content.length} chars), expected ${short(want)} (${want.length} chars)`);
    }
  }
  return out;
}
