/**
 * Recorded shapes of OpenAI-compatible streams (abridged by hand from real servers' wire format):
 * what the SSE decoder and the stream timer must understand.
 */

const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra });

const usage = (p: number, c: number, cached: number | null) =>
  JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [],
    usage: { prompt_tokens: p, completion_tokens: c, total_tokens: p + c, ...(cached === null ? {} : { prompt_tokens_details: { cached_tokens: cached } }) },
  });

/** vLLM: role chunk with empty content, content chunks, usage chunk, [DONE]. */
export const VLLM = [
  `data: ${chunk({ role: 'assistant', content: '' })}\n\n`,
  `data: ${chunk({ content: 'Héllo' })}\n\n`,
  `data: ${chunk({ content: ' wörld ✓' }, 'length')}\n\n`,
  `data: ${usage(12, 3, 8)}\n\n`,
  'data: [DONE]\n\n',
].join('');

/** SGLang: null reasoning_content fields, matched_stop, CRLF line endings. */
export const SGLANG = [
  `data: ${chunk({ role: 'assistant', content: 'Hi', reasoning_content: null, tool_calls: null })}\r\n\r\n`,
  `data: ${chunk({ role: null, content: ' there', reasoning_content: null }, 'stop', { matched_stop: 2 })}\r\n\r\n`,
  `data: ${usage(5, 2, null)}\r\n\r\n`,
  'data: [DONE]\r\n\r\n',
].join('');

/** Dynamo frontend: a keep-alive comment, nvext on chunks, an event name, usage with cached tokens. */
export const DYNAMO = [
  ': keep-alive\n\n',
  `event: message\ndata: ${chunk({ role: 'assistant', content: 'a' }, null, { nvext: { worker_id: { prefill_worker_id: 7, decode_worker_id: 7 } } })}\n\n`,
  ':\n\n',
  `data: ${chunk({ content: 'b' }, 'length')}\n\n`,
  `data: ${usage(100, 2, 64)}\n\n`,
  'data: [DONE]\n\n',
].join('');

/** OpenAI: system_fingerprint and obfuscation fields, usage chunk with empty choices. */
export const OPENAI = [
  `data: ${chunk({ role: 'assistant', content: '', refusal: null }, null, { system_fingerprint: 'fp', obfuscation: 'x' })}\n\n`,
  `data: ${chunk({ content: 'OK' }, null, { system_fingerprint: 'fp', obfuscation: 'yy' })}\n\n`,
  `data: ${chunk({}, 'stop', { system_fingerprint: 'fp' })}\n\n`,
  `data: ${usage(9, 1, 0)}\n\n`,
  'data: [DONE]\n\n',
].join('');

/** A reasoning model (vLLM reasoning parser): reasoning_content first, then content; also `reasoning`. */
export const REASONING = [
  `data: ${chunk({ role: 'assistant', content: '' })}\n\n`,
  `data: ${chunk({ reasoning_content: 'Let me think.' })}\n\n`,
  `data: ${chunk({ reasoning: ' Still thinking.' })}\n\n`,
  `data: ${chunk({ content: 'Answer' }, 'stop')}\n\n`,
  `data: ${usage(20, 6, 0)}\n\n`,
  'data: [DONE]\n\n',
].join('');

/** An error object in the middle of a stream (vLLM/OpenAI shape), then [DONE]. */
export const MID_STREAM_ERROR = [
  `data: ${chunk({ content: 'partial' })}\n\n`,
  'data: {"error": {"message": "engine died", "type": "server_error", "code": 500}}\n\n',
  'data: [DONE]\n\n',
].join('');

/** vLLM's older flat error object. */
export const FLAT_ERROR = 'data: {"object": "error", "message": "bad things", "type": "BadRequestError", "code": 400}\n\n';
