/**
 * The OpenAI wire format, once: TypeBox schemas (validate at the HTTP edge with fastify, or in-process
 * with `parseBody`) and the static types derived from them. Covers what kvlab's servers and clients
 * exchange: chat/completions requests and responses (plain and streamed), model lists, usage, errors.
 * Bounds (integers ≥ 0, max_tokens ≥ 1, temperature in [0, 2]...) live here, not in handlers.
 *
 * Approximation: only text content is modelled (no images/tools); unknown request fields are allowed
 * and ignored, as vLLM does, so real clients' extra fields do not fail.
 */
import { Kind, Type, TypeRegistry, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { makeError } from './errors.ts';
import { PreprocessedPrompt } from './preprocessed.ts';

/**
 * `null` for nullable fields, written `{const: null}` and listed FIRST in the union. Fastify's ajv
 * runs with `coerceTypes`, which would turn `0`/`false`/`""` into null through a `{type: 'null'}`
 * branch (so `temperature: 0` or `seed: 0` silently became null), and null into 0 through a number
 * branch listed before it. `const` is never coerced and a null matches the first branch before any
 * coercion. TypeBox validates this kind through the registry (same meaning: value === null).
 */
const NULL_KIND = 'KvlabNull';
if (!TypeRegistry.Has(NULL_KIND)) TypeRegistry.Set(NULL_KIND, (_schema, value) => value === null);
const NullConst = () => Type.Unsafe<null>({ [Kind]: NULL_KIND, const: null });
const Nullable = <T extends TSchema>(t: T) => Type.Union([NullConst(), t]);
const Count = () => Type.Integer({ minimum: 0 });

export const TextPart = Type.Object({ type: Type.Literal('text'), text: Type.String() });

export const ChatRequestMessage = Type.Object({
  role: Type.String({ minLength: 1 }),
  content: Type.Union([Type.String(), Type.Array(TextPart)]),
  name: Type.Optional(Type.String()),
  reasoning_content: Type.Optional(Nullable(Type.String())),
});
export type ChatRequestMessage = Static<typeof ChatRequestMessage>;

export const NvExt = Type.Object({
  ignore_eos: Type.Optional(Type.Boolean()),
  agent_hints: Type.Optional(
    Type.Object({
      speculative_prefill: Type.Optional(Type.Boolean()),
      /**
       * Dynamo's priority hint, seconds: the request counts as having arrived this much earlier
       * (Dynamo applies it in its router queue; kvlab, which has none, in the engine's waiting queue
       * under the priority scheduling policy).
       */
      latency_sensitivity: Type.Optional(Type.Number()),
    }),
  ),
});
export type NvExt = Static<typeof NvExt>;

/**
 * vLLM's `kv_transfer_params` (NixlConnector, disaggregated prefill/decode): a P/D proxy sends
 * `do_remote_decode: true` to the prefill worker, which answers with the params the decode worker then
 * gets (`do_remote_prefill: true`, the remote engine, blocks, host and port). Other fields pass.
 */
export const KvTransferParams = Type.Object(
  {
    do_remote_prefill: Type.Optional(Nullable(Type.Boolean())),
    do_remote_decode: Type.Optional(Nullable(Type.Boolean())),
    remote_engine_id: Type.Optional(Nullable(Type.String())),
    remote_block_ids: Type.Optional(Nullable(Type.Array(Type.Unknown()))),
    remote_host: Type.Optional(Nullable(Type.String())),
    remote_port: Type.Optional(Nullable(Type.Integer())),
    remote_request_id: Type.Optional(Nullable(Type.String())),
  },
  { additionalProperties: true },
);
export type KvTransferParams = Static<typeof KvTransferParams>;

/** Sampling / length fields shared by chat and text completions. */
const samplingFields = {
  model: Type.String({ minLength: 1 }),
  stream: Type.Optional(Type.Boolean()),
  stream_options: Type.Optional(Nullable(Type.Object({ include_usage: Type.Optional(Type.Boolean()) }))),
  max_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  max_completion_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  n: Type.Optional(Type.Integer({ minimum: 1 })),
  temperature: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 2 }))),
  top_p: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 1 }))),
  seed: Type.Optional(Nullable(Type.Integer())),
  stop: Type.Optional(Nullable(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 16 })]))),
  ignore_eos: Type.Optional(Type.Boolean()),
  min_tokens: Type.Optional(Count()),
  nvext: Type.Optional(NvExt),
  user: Type.Optional(Type.String()),
  /** vLLM's request priority: lower values are scheduled first (default 0); needs `--scheduling-policy priority` to matter. */
  priority: Type.Optional(Type.Integer()),
  kv_transfer_params: Type.Optional(Nullable(KvTransferParams)),
};

export const ChatCompletionRequest = Type.Object(
  { ...samplingFields, messages: Type.Array(ChatRequestMessage, { minItems: 1 }) },
  { additionalProperties: true },
);
export type ChatCompletionRequest = Static<typeof ChatCompletionRequest>;

export const CompletionPrompt = Type.Union([
  Type.String(),
  Type.Array(Type.String(), { minItems: 1 }),
  Type.Array(Count(), { minItems: 1 }),
  Type.Array(Type.Array(Count(), { minItems: 1 }), { minItems: 1 }),
]);
export type CompletionPrompt = Static<typeof CompletionPrompt>;

export const CompletionRequest = Type.Object(
  { ...samplingFields, prompt: CompletionPrompt, echo: Type.Optional(Type.Boolean()) },
  { additionalProperties: true },
);
export type CompletionRequest = Static<typeof CompletionRequest>;

/**
 * A chat request from a kvlab router to a kvlab worker: the prompt comes tokenized and hashed in
 * `kvlab_prompt` (core/preprocessed), the messages are left out.
 */
export const PreprocessedChatRequest = Type.Object(
  { ...samplingFields, kvlab_prompt: PreprocessedPrompt, messages: Type.Optional(Type.Array(ChatRequestMessage)) },
  { additionalProperties: true },
);
export type PreprocessedChatRequest = Static<typeof PreprocessedChatRequest>;

/** A completions request from a kvlab router to a kvlab worker (see PreprocessedChatRequest). */
export const PreprocessedCompletionRequest = Type.Object(
  { ...samplingFields, kvlab_prompt: PreprocessedPrompt, prompt: Type.Optional(CompletionPrompt), echo: Type.Optional(Type.Boolean()) },
  { additionalProperties: true },
);
export type PreprocessedCompletionRequest = Static<typeof PreprocessedCompletionRequest>;

export const Usage = Type.Object({
  prompt_tokens: Count(),
  completion_tokens: Count(),
  total_tokens: Count(),
  prompt_tokens_details: Type.Optional(Nullable(Type.Object({ cached_tokens: Count() }))),
});
export type Usage = Static<typeof Usage>;

export const FinishReason = Nullable(Type.Union([Type.Literal('stop'), Type.Literal('length'), Type.Literal('abort')]));
export type FinishReason = Static<typeof FinishReason>;

export const ModelCard = Type.Object({
  id: Type.String(),
  object: Type.Literal('model'),
  created: Count(),
  owned_by: Type.String(),
  max_model_len: Type.Optional(Count()),
});
export type ModelCard = Static<typeof ModelCard>;

export const ModelList = Type.Object({ object: Type.Literal('list'), data: Type.Array(ModelCard) });
export type ModelList = Static<typeof ModelList>;

const responseHead = { id: Type.String(), created: Count(), model: Type.String() };

export const ChatCompletion = Type.Object({
  ...responseHead,
  object: Type.Literal('chat.completion'),
  choices: Type.Array(
    Type.Object({
      index: Count(),
      message: Type.Object({
        role: Type.Literal('assistant'),
        content: Nullable(Type.String()),
        reasoning_content: Type.Optional(Nullable(Type.String())),
      }),
      finish_reason: FinishReason,
    }),
  ),
  usage: Usage,
});
export type ChatCompletion = Static<typeof ChatCompletion>;

export const ChatCompletionChunk = Type.Object({
  ...responseHead,
  object: Type.Literal('chat.completion.chunk'),
  choices: Type.Array(
    Type.Object({
      index: Count(),
      delta: Type.Object({
        role: Type.Optional(Type.Literal('assistant')),
        content: Type.Optional(Nullable(Type.String())),
        reasoning_content: Type.Optional(Nullable(Type.String())),
      }),
      finish_reason: FinishReason,
    }),
  ),
  usage: Type.Optional(Nullable(Usage)),
});
export type ChatCompletionChunk = Static<typeof ChatCompletionChunk>;

const completionChoice = Type.Object({ index: Count(), text: Type.String(), finish_reason: FinishReason });

export const Completion = Type.Object({
  ...responseHead,
  object: Type.Literal('text_completion'),
  choices: Type.Array(completionChoice),
  usage: Usage,
});
export type Completion = Static<typeof Completion>;

export const CompletionChunk = Type.Object({
  ...responseHead,
  object: Type.Literal('text_completion'),
  choices: Type.Array(completionChoice),
  usage: Type.Optional(Nullable(Usage)),
});
export type CompletionChunk = Static<typeof CompletionChunk>;

export const ErrorBody = Type.Object({
  error: Type.Object({
    message: Type.String(),
    type: Type.String(),
    param: Nullable(Type.String()),
    code: Nullable(Type.Union([Type.String(), Type.Integer()])),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/**
 * Validate `value` against `schema` in-process (virtual cluster, clients). Returns it typed, or throws
 * an `invalid_request` KvlabError whose param is the most specific failing field ("messages.0.role").
 */
export function parseBody<T extends TSchema>(schema: T, value: unknown): Static<T> {
  let check = compiled.get(schema) as TypeCheck<T> | undefined;
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check as unknown as TypeCheck<TSchema>);
  }
  if (check.Check(value)) return value;
  let best: { path: string; message: string } | undefined;
  for (const e of check.Errors(value)) {
    if (!best || e.path.length > best.path.length) best = { path: e.path, message: e.message };
  }
  const param = (best?.path ?? '').replace(/^\//, '').replace(/\//g, '.');
  const detail = param ? `${param}: ${best?.message ?? 'is invalid'}` : `request body: ${best?.message ?? 'is invalid'}`;
  throw makeError('invalid_request', { detail, param: param || null });
}

/** Text of a message's content (array parts are concatenated). */
export function messageText(content: ChatRequestMessage['content']): string {
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}

/** The requested completion length: max_completion_tokens, else max_tokens, else null (server default). */
export function requestedMaxTokens(req: { max_tokens?: number | null; max_completion_tokens?: number | null }): number | null {
  return req.max_completion_tokens ?? req.max_tokens ?? null;
}

/** A request's scheduling hints as the engine takes them (EngineRequest): only those it carries. */
export function requestPriority(req: { priority?: number; nvext?: NvExt }): { priority?: number; latencySensitivityS?: number } {
  const out: { priority?: number; latencySensitivityS?: number } = {};
  if (req.priority !== undefined) out.priority = req.priority;
  const s = req.nvext?.agent_hints?.latency_sensitivity;
  if (s !== undefined) out.latencySensitivityS = s;
  return out;
}

/** True when the request asks to ignore EOS (top-level or under nvext). */
export function requestIgnoresEos(req: { ignore_eos?: boolean; nvext?: NvExt }): boolean {
  return req.ignore_eos === true || req.nvext?.ignore_eos === true;
}
