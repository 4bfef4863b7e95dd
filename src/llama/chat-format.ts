/**
 * The llama-worker's chat format for kvlab's tiny models, which carry no template of their own:
 *
 *   per message:        <|role|> content-tokens <|end|>      (role: system, user, assistant, tool)
 *   generation prompt:  <|assistant|>
 *
 * Each message's content is tokenized on its own (special-token text in content stays plain text), so
 * a follow-up turn's prompt starts with the previous turn's prompt token for token and its cache hits.
 * `<|bos|>` and `<|eos|>` are the model's BOS and EOS; `<|eos|>` ends an answer unless `ignore_eos`.
 */

export const CHAT_ROLES = Object.freeze(['system', 'user', 'assistant', 'tool'] as const);
export type ChatRole = (typeof CHAT_ROLES)[number];

/** The model's special tokens, in vocabulary order after the BPE tokens. */
export const SPECIAL_TOKEN_TEXTS: readonly string[] = Object.freeze(['<|bos|>', '<|eos|>', '<|end|>', ...CHAT_ROLES.map((r) => `<|${r}|>`)]);

export const isChatRole = (role: string): role is ChatRole => (CHAT_ROLES as readonly string[]).includes(role);

/** What the format needs of the model: its special tokens' ids and plain-text tokenization. */
export interface ChatVocabulary {
  special(text: string): number;
  tokenize(text: string): number[];
}

/** Prompt token ids of `messages` followed by the generation prompt. Throws RangeError on an unknown role (index given). */
export function chatPromptIds(vocab: ChatVocabulary, messages: readonly { role: string; content: string }[]): number[] {
  const end = vocab.special('<|end|>');
  const out: number[] = [];
  messages.forEach((msg, i) => {
    if (!isChatRole(msg.role)) throw new RangeError(`messages[${i}].role must be one of ${CHAT_ROLES.join(', ')}; got ${JSON.stringify(msg.role)}`);
    out.push(vocab.special(`<|${msg.role}|>`), ...vocab.tokenize(msg.content), end);
  });
  out.push(vocab.special('<|assistant|>'));
  return out;
}
