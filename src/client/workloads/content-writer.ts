/**
 * Content writers: a script message whose content tokens can be written straight into a typed array
 * carries one (a lazy lorem message's drawn parts, `partsWriter`; a trace message's cached lorem runs,
 * trace.ts), so a runner that assembles prompts in an Int32Array (the virtual cluster's PromptBuilder)
 * copies the ids once instead of reading `contentTokens`, which builds a plain array of every id on
 * each read. The writer gives the same ids as `contentTokens`, in the same order.
 */
import type { ScriptMessage } from './types.ts';

/** Writes a message's content tokens straight into a prompt buffer (no intermediate array). */
export interface ContentWriter {
  /** Number of content tokens. */
  readonly length: number;
  /** Write the content tokens into `out` from `offset`. */
  write(out: Int32Array, offset: number): void;
}

const WRITERS = new WeakMap<ScriptMessage, ContentWriter>();

/** Gives `msg` its writer (the message's `contentTokens` must hold the same ids). */
export function attachContentWriter(msg: ScriptMessage, writer: ContentWriter): void {
  WRITERS.set(msg, writer);
}

/** The message's content writer, or undefined for a message without one. */
export function contentWriterOf(msg: ScriptMessage): ContentWriter | undefined {
  return WRITERS.get(msg);
}

/** A writer of `parts` back to back (typed arrays copied with `set`, others id by id). */
export function partsWriter(parts: readonly ArrayLike<number>[]): ContentWriter {
  let length = 0;
  for (const p of parts) length += p.length;
  return {
    length,
    write(out, offset) {
      let at = offset;
      for (const p of parts) {
        if (p instanceof Int32Array) out.set(p, at);
        else for (let i = 0; i < p.length; i++) out[at + i] = p[i];
        at += p.length;
      }
    },
  };
}
