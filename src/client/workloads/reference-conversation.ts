/**
 * A conversation as the `conversations` workload reads it, before run parameters apply: the messages
 * every turn starts with, and per user turn the user message plus the length of the reference answer
 * that followed it in the source (a ShareGPT file's assistant message, or the answer length a
 * generate_conversations spec drew), or null when the source has no answer for that turn.
 */
import type { ScriptMessage } from './types.ts';

export interface ReferenceTurn {
  user: ScriptMessage;
  /** Tokens of the reference answer, or null when there is none. */
  answerTokens: number | null;
}

export interface ReferenceConversation {
  id: string;
  preamble: ScriptMessage[];
  turns: ReferenceTurn[];
}
