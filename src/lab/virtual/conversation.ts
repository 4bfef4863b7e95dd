/**
 * One conversation's state in virtual time: the answers received so far (as token ids) and the chat
 * messages each turn sends, mirroring the real client's history rules (client/runner/history.ts):
 * with `keepHistory`, turn k sends the preamble, every earlier turn's messages each followed by that
 * turn's ANSWER (reasoning stripped, as chat templates drop thinking) and then turn k's messages;
 * without it, the preamble and turn k's messages. A failed or unanswered turn adds no answer.
 *
 * Messages carry token ids where known (`contentTokens`), so the chat template never runs BPE on
 * lorem content; a script message's `contentTokens` is read exactly once per use (trace and lazy lorem
 * messages compute it in a getter; the virtual cluster copies their ids straight into the prompt through
 * their content writer instead: client/workloads/content-writer.ts).
 */
import type { ChatMessageLike } from '../../core/chat-template.ts';
import type { ConversationScript, ScriptMessage, TurnSpec } from '../../client/workloads/types.ts';
import { contentWriterOf } from '../../client/workloads/content-writer.ts';
import { releaseScript } from '../../client/workloads/drawn-content.ts';
import type { TemplateMessage } from './prompt-builder.ts';

/**
 * A script message as the chat template sees it (tokens read once). A trace or lazy lorem message carries
 * a `contentWriter` the PromptBuilder copies from; its `contentTokens` is then computed only if read.
 */
function templateMessage(m: ScriptMessage): TemplateMessage {
  const writer = contentWriterOf(m);
  if (writer !== undefined) {
    const msg: TemplateMessage = { role: m.role, content: '', contentWriter: writer };
    Object.defineProperty(msg, 'contentTokens', { enumerable: true, get: () => m.contentTokens });
    return msg;
  }
  const tokens = m.contentTokens;
  return tokens !== undefined ? { role: m.role, content: '', contentTokens: tokens } : { role: m.role, content: m.content };
}

export class VirtualConversation {
  /**
   * Answer tokens of each turn (null until it finished, or when it failed); allocated at the first
   * answer, so a conversation not yet started costs no array.
   */
  private answers: (readonly number[] | null)[] | null = null;
  /**
   * The script's turns, read once when the conversation starts and let go when it ends (a generator
   * may make a script's turns on each read: drawn-content.ts `scriptWithTurns`).
   */
  private turnList: readonly TurnSpec[] | null = null;
  readonly numTurns: number;
  /** Next turn to send (0-based). */
  nextTurn = 0;
  /** True once the conversation will send nothing more (all turns done, or dropped after a failure). */
  ended = false;

  constructor(
    readonly index: number,
    readonly script: ConversationScript,
  ) {
    this.numTurns = script.turns.length;
    if (this.numTurns === 0) this.ended = true;
  }

  get id(): string {
    return this.script.id;
  }

  /** Turn `k`'s spec (0-based). */
  turn(k: number): TurnSpec {
    return (this.turnList ??= this.script.turns)[k];
  }

  /** Answers held for later turns' histories (none once the conversation ended). */
  heldAnswers(): number {
    return this.answers?.filter((a) => a !== null).length ?? 0;
  }

  /** The messages turn `k` (0-based) sends, as template input. */
  messagesFor(k: number): TemplateMessage[] {
    const s = this.script;
    if (k < 0 || k >= this.numTurns) throw new RangeError(`turn ${k + 1} is out of range for ${s.id}`);
    const out: TemplateMessage[] = [];
    for (const m of s.preamble) out.push(templateMessage(m));
    if (s.keepHistory) {
      for (let j = 0; j < k; j++) {
        for (const m of this.turn(j).messages) out.push(templateMessage(m));
        const a = this.answers?.[j] ?? null;
        if (a !== null) out.push(answerMessage(a));
      }
    }
    for (const m of this.turn(k).messages) out.push(templateMessage(m));
    return out;
  }

  /**
   * Record turn k's outcome and move on; a failure ends a conversation that keeps history. An ended
   * conversation sends nothing more, so its answers and its drawn content (drawn-content.ts) are let
   * go: a long run holds only the histories and prompts of conversations still going.
   */
  complete(k: number, answer: readonly number[] | null): void {
    this.nextTurn = k + 1;
    if (this.nextTurn >= this.numTurns || (answer === null && this.script.keepHistory)) this.ended = true;
    if (this.ended) {
      this.answers = null;
      releaseScript({ preamble: this.script.preamble, turns: this.turnList ?? [] });
      this.turnList = null;
      return;
    }
    if (this.script.keepHistory) (this.answers ??= new Array<readonly number[] | null>(this.numTurns).fill(null))[k] = answer;
  }
}

/** The assistant message holding an answer's (non-reasoning) tokens. */
export function answerMessage(tokens: readonly number[]): ChatMessageLike {
  return { role: 'assistant', content: '', contentTokens: tokens };
}
