/**
 * ShareGPT-style conversation lists for the `conversations` workload, in vLLM's OpenAI layout
 * `[{ id, messages: [{ role, content }] }]` or the original ShareGPT layout
 * `[{ id, conversations: [{ from: 'human' | 'gpt', value }] }]`. Leading system messages become the
 * preamble; then user and assistant messages must alternate, starting with a user message (as vLLM's
 * benchmark asserts). An assistant message is only a reference: its token count (o200k) is the
 * default max_tokens of the turn before it; the runner sends the server's real answer as history.
 *
 * Approximation: vLLM counts the reference with the served model's tokenizer; we use o200k_base.
 */
import { makeError } from '../../core/errors.ts';
import { countTokens } from '../../core/tokenizer.ts';
import { textMessage } from './messages.ts';
import type { ReferenceConversation, ReferenceTurn } from './reference-conversation.ts';
import type { Role, ScriptMessage } from './types.ts';

const FROM_ROLES: Readonly<Record<string, Role>> = Object.freeze({
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  chatgpt: 'assistant',
  bard: 'assistant',
  bing: 'assistant',
  model: 'assistant',
  system: 'system',
});

function bad(path: string, detail: string): never {
  throw makeError('invalid_config', { path, detail });
}

function textOf(content: unknown, path: string): string {
  if (typeof content === 'string') return content;
  // OpenAI content parts: keep the text parts.
  if (Array.isArray(content) && content.every((p) => typeof p === 'object' && p !== null && typeof (p as { text?: unknown }).text === 'string')) {
    return content.map((p) => (p as { text: string }).text).join('');
  }
  return bad(path, `expected a string, got ${JSON.stringify(content)?.slice(0, 60)}`);
}

function messagesOf(item: Record<string, unknown>, path: string): { role: Role; content: string }[] {
  if (Array.isArray(item.messages)) {
    return item.messages.map((m, k) => {
      const at = `${path}.messages[${k}]`;
      if (typeof m !== 'object' || m === null) bad(at, 'expected an object with role and content');
      const { role, content } = m as Record<string, unknown>;
      if (role !== 'user' && role !== 'assistant' && role !== 'system') {
        bad(`${at}.role`, `expected "system", "user" or "assistant", got ${JSON.stringify(role)}`);
      }
      return { role, content: textOf(content, `${at}.content`) };
    });
  }
  if (Array.isArray(item.conversations)) {
    return item.conversations.map((m, k) => {
      const at = `${path}.conversations[${k}]`;
      if (typeof m !== 'object' || m === null) bad(at, 'expected an object with from and value');
      const { from, value } = m as Record<string, unknown>;
      const role = typeof from === 'string' ? FROM_ROLES[from.toLowerCase()] : undefined;
      if (role === undefined) bad(`${at}.from`, `expected "human", "gpt" or "system", got ${JSON.stringify(from)}`);
      return { role, content: textOf(value, `${at}.value`) };
    });
  }
  return bad(path, 'expected a "messages" list (or a ShareGPT "conversations" list)');
}

/** Parse a ShareGPT-style list; `source` names the input in error messages. */
export function parseShareGpt(list: readonly unknown[], source = 'input'): ReferenceConversation[] {
  const seen = new Set<string>();
  return list.map((raw, i) => {
    const path = `${source}[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad(path, 'expected a conversation object');
    const item = raw as Record<string, unknown>;
    if (typeof item.id !== 'string' && typeof item.id !== 'number') bad(`${path}.id`, 'expected a string id');
    const id = String(item.id);
    if (seen.has(id)) bad(`${path}.id`, `conversation id ${JSON.stringify(id)} appears more than once`);
    seen.add(id);
    const messages = messagesOf(item, path);
    const preamble: ScriptMessage[] = [];
    let k = 0;
    while (k < messages.length && messages[k].role === 'system') preamble.push(textMessage('system', messages[k++].content));
    const turns: ReferenceTurn[] = [];
    for (let last: Role | null = null; k < messages.length; k++) {
      const m = messages[k];
      const expected = last === 'user' ? 'assistant' : 'user';
      last = m.role;
      if (m.role !== expected) {
        bad(`${path} message ${k}`, `expected ${expected === 'user' ? 'a user' : 'an assistant'} message, got ${m.role} (user and assistant messages must alternate, starting with user)`);
      }
      if (m.role === 'user') turns.push({ user: textMessage('user', m.content), answerTokens: null });
      else turns[turns.length - 1].answerTokens = countTokens(m.content);
    }
    if (turns.length === 0) bad(path, `conversation ${JSON.stringify(id)} has no user message`);
    return { id, preamble, turns };
  });
}
