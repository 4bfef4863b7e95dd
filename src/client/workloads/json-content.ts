/**
 * Message content that writes its own bytes into a JSON request body. A generated lorem prompt then
 * goes from token ids straight to the request's bytes: no text string, no JSON.stringify pass over
 * it, no UTF-8 encoding of the body (three copies of ~94 KB per 16k-token prompt, and their garbage).
 * The workload attaches it to a message (`JSON_CONTENT`, a symbol: invisible to JSON.stringify and
 * to spreading into plain data), the runner's history keeps it on the message it sends, and the
 * transport writes it (http/json-body.ts). The message's `content` is the same text, built only when
 * something reads it (a local token count, a verbose log, a transcript).
 */
import { LOREM_MAX_TOKEN_BYTES, writeLoremText } from '../../core/lorem.ts';
import type { ScriptMessage } from './types.ts';

export const JSON_CONTENT = Symbol('kvlab.jsonContent');

/** Content able to write itself inside a JSON string. */
export interface JsonContent {
  /**
   * Bytes it takes at most (it needs no escaping: ASCII without quotes, backslashes or control
   * characters). A bound, not the length: measuring it would cost a pass as long as writing it.
   */
  maxByteLength(): number;
  /** Writes its bytes into `out` from `at` (may overwrite up to 15 bytes after them); returns the end offset. */
  write(out: Buffer, at: number): number;
}

/** The JSON content a message carries, if any. */
export function jsonContentOf(m: object): JsonContent | undefined {
  return (m as { [JSON_CONTENT]?: JsonContent })[JSON_CONTENT];
}

/**
 * The content of lorem `parts` joined; `texts[i]`, when given, is the text of `parts[i]` (lorem text
 * too, so it is ASCII that needs no escaping).
 */
export function loremJsonContent(parts: readonly ArrayLike<number>[], texts: readonly (string | null)[] = []): JsonContent {
  return {
    maxByteLength() {
      let n = 0;
      for (let i = 0; i < parts.length; i++) n += texts[i]?.length ?? parts[i].length * LOREM_MAX_TOKEN_BYTES;
      return n;
    },
    write(out, at) {
      for (let i = 0; i < parts.length; i++) {
        const text = texts[i];
        at = text != null ? at + out.write(text, at, 'latin1') : writeLoremText(parts[i], out, at);
      }
      return at;
    },
  };
}

/** A message as sent: its role and content, keeping its JSON content (so its text is made only if read). */
export function outgoingMessage(m: ScriptMessage): { role: string; content: string } {
  const raw = jsonContentOf(m);
  if (raw === undefined) return { role: m.role, content: m.content };
  const out = { role: m.role } as { role: string; content: string; [JSON_CONTENT]: JsonContent };
  Object.defineProperty(out, 'content', { enumerable: true, get: () => m.content });
  out[JSON_CONTENT] = raw;
  return out;
}
