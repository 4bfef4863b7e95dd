/**
 * Chat prompts for the hot path: the same token ids as core/chat-template's `encodeChat`, written
 * into one exactly-sized Int32Array instead of growing plain arrays (a replayed trace builds ~60 M
 * prompt tokens; large growing arrays cost more than the whole simulation). The template itself is
 * not restated here: each role's framing (the tokens before and after a message's content) and the
 * generation prompt are read off `ChatTokenizer.encodeChat` once, around a sentinel content token;
 * messages given as text go through `encodeChat` (memoised per message). A message may instead carry
 * a `contentWriter` (trace prompts, lazy lorem messages) that writes its content straight into the
 * prompt. A test checks equality with `encodeChat` on random conversations.
 */
import type { ChatMessageLike, ChatTokenizer } from '../../core/chat-template.ts';
import type { ContentWriter } from '../../client/workloads/content-writer.ts';

/** A template message; `contentWriter`, when present, gives the content tokens (read before `contentTokens`). */
export type TemplateMessage = ChatMessageLike & { contentWriter?: ContentWriter };

interface Frame {
  head: readonly number[];
  tail: readonly number[];
}

/** Never a token id: marks where the template puts a message's content. */
const SENTINEL = -1;

export class PromptBuilder {
  private readonly frames = new Map<string, Frame>();
  private readonly generation: readonly number[];
  // Scratch: the parts of the prompt being built (reused between calls).
  private readonly parts: (ArrayLike<number> | ContentWriter)[] = [];
  /** buildScratch's buffer. */
  private scratch = new Int32Array(1 << 12);

  constructor(private readonly tok: ChatTokenizer) {
    this.generation = tok.encodeChat([], true);
  }

  /** Prompt token ids of `messages` plus the generation prompt (= tok.encodeChat(messages)). */
  build(messages: readonly TemplateMessage[]): Int32Array {
    return this.assemble(messages, false);
  }

  /**
   * The same ids as `build`, in a buffer this builder reuses: valid until its next call. For a prompt
   * that is only hashed and cut to its last partial block (a hash-only engine request), so a long
   * prompt is not a new array each time (2,000 prompts of 14,000 tokens were 112 MB for the
   * garbage collector to reclaim per cell).
   */
  buildScratch(messages: readonly TemplateMessage[]): Int32Array {
    return this.assemble(messages, true);
  }

  private assemble(messages: readonly TemplateMessage[], scratch: boolean): Int32Array {
    const parts = this.parts;
    parts.length = 0;
    let total = 0;
    for (const m of messages) {
      if (m.contentWriter !== undefined) {
        const f = this.frameOf(m.role);
        parts.push(f.head, m.contentWriter, f.tail);
        total += f.head.length + m.contentWriter.length + f.tail.length;
      } else if (m.contentTokens !== undefined) {
        const f = this.frameOf(m.role);
        parts.push(f.head, m.contentTokens, f.tail);
        total += f.head.length + m.contentTokens.length + f.tail.length;
      } else {
        const whole = this.tok.encodeChat([m], false);
        parts.push(whole);
        total += whole.length;
      }
    }
    parts.push(this.generation);
    total += this.generation.length;
    let out: Int32Array;
    if (!scratch) out = new Int32Array(total);
    else {
      if (this.scratch.length < total) this.scratch = new Int32Array(Math.max(total, this.scratch.length * 2));
      out = this.scratch.subarray(0, total);
    }
    let at = 0;
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p];
      if (part instanceof Int32Array) out.set(part, at);
      else if (isWriter(part)) part.write(out, at);
      else for (let i = 0; i < part.length; i++) out[at + i] = part[i];
      at += part.length;
    }
    parts.length = 0;
    return out;
  }

  /**
   * The tokens around the content of a prompt made of ONE `role` message: `head` before it, `tail`
   * after it (the message's closing tokens, then the generation prompt).
   */
  around(role: string): { head: readonly number[]; tail: readonly number[] } {
    const f = this.frameOf(role);
    return { head: f.head, tail: [...f.tail, ...this.generation] };
  }

  private frameOf(role: string): Frame {
    let f = this.frames.get(role);
    if (f === undefined) {
      const framed = this.tok.encodeChat([{ role, content: '', contentTokens: [SENTINEL] }], false);
      const at = framed.indexOf(SENTINEL);
      if (at < 0 || framed.indexOf(SENTINEL, at + 1) >= 0) throw new Error(`chat template: cannot locate the content of a ${role} message`);
      f = { head: framed.slice(0, at), tail: framed.slice(at + 1) };
      this.frames.set(role, f);
    }
    return f;
  }
}

function isWriter(part: ArrayLike<number> | ContentWriter): part is ContentWriter {
  return typeof (part as ContentWriter).write === 'function';
}
