/**
 * One conversation's state in a run: the real answers received so far, and the messages each turn
 * sends. With `keepHistory`, turn k sends the preamble, every earlier turn's messages each followed by
 * that turn's REAL answer (content only: reasoning is dropped, as chat templates drop thinking), then
 * turn k's messages. Without it, turn k sends the preamble and turn k's messages. An earlier turn with
 * no answer yet (open loop, still in flight) or a failed one contributes its messages without an answer.
 * A message sent keeps its JSON content (workloads/json-content.ts): its text is made only if read.
 */
import { outgoingMessage } from '../workloads/json-content.ts';
import type { ConversationScript } from '../workloads/types.ts';

export interface ChatMessage {
  role: string;
  content: string;
}

export class ConversationState {
  /** Answer of each turn (null until it arrives, or when it failed). */
  readonly answers: (string | null)[];

  constructor(readonly script: ConversationScript) {
    this.answers = script.turns.map(() => null);
  }

  messagesFor(turnIndex: number): ChatMessage[] {
    const s = this.script;
    if (turnIndex < 0 || turnIndex >= s.turns.length) throw new RangeError(`turn ${turnIndex + 1} is out of range for ${s.id}`);
    const out: ChatMessage[] = s.preamble.map(outgoingMessage);
    if (s.keepHistory) {
      for (let j = 0; j < turnIndex; j++) {
        for (const m of s.turns[j].messages) out.push(outgoingMessage(m));
        const a = this.answers[j];
        if (a !== null) out.push({ role: 'assistant', content: a });
      }
    }
    for (const m of s.turns[turnIndex].messages) out.push(outgoingMessage(m));
    return out;
  }

  /** The whole conversation as sent and answered (for `--output-file`). */
  transcript(): ChatMessage[] {
    const out: ChatMessage[] = this.script.preamble.map((m) => ({ role: m.role, content: m.content }));
    this.script.turns.forEach((t, j) => {
      for (const m of t.messages) out.push({ role: m.role, content: m.content });
      const a = this.answers[j];
      if (a !== null) out.push({ role: 'assistant', content: a });
    });
    return out;
  }
}
