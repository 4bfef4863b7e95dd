/**
 * The error catalogue: every error kvlab reports has a stable `code`, an HTTP status and an OpenAI
 * error `type`, and a message template with `{name}` placeholders. At the HTTP edge an error becomes
 * an OpenAI-shaped body `{ error: { message, type, param, code } }` (`toErrorBody`); at the CLI a
 * one-line message (`errorLine`). Unknown thrown values become `internal_error` without leaking
 * their stack or message internals.
 *
 * Approximation: messages follow vLLM/OpenAI wording where one exists (context_length_exceeded is
 * vLLM's); types are OpenAI's error types.
 */
import type { ErrorBody } from './openai-schemas.ts';

export interface ErrorSpec {
  readonly status: number;
  /** OpenAI error type ("invalid_request_error", "server_error", ...). */
  readonly type: string;
  /** Message template; `{name}` is replaced by params[name]. */
  readonly message: string;
  /** Names of the params the template uses (all required for a complete message). */
  readonly params: readonly string[];
}

function spec(status: number, type: string, message: string): ErrorSpec {
  const params = [...new Set([...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))];
  return Object.freeze({ status, type, message, params: Object.freeze(params) });
}

const INVALID = 'invalid_request_error';

export const ERRORS = Object.freeze({
  // HTTP edge: request problems
  invalid_json: spec(400, INVALID, 'The request body is not valid JSON: {detail}'),
  invalid_request: spec(400, INVALID, '{detail}'),
  model_not_found: spec(404, 'not_found_error', 'The model `{model}` does not exist.'),
  context_length_exceeded: spec(
    400,
    INVALID,
    "This model's maximum context length is {maxModelLen} tokens. However, you requested " +
      '{requestedTokens} tokens ({promptTokens} in the messages, {completionTokens} in the completion). ' +
      'Please reduce the length of the messages or completion.',
  ),
  n_not_supported: spec(400, INVALID, 'Only n=1 is supported, got n={n}.'),
  body_too_large: spec(413, INVALID, 'The request body is too large (limit {limitBytes} bytes).'),
  unsupported_media_type: spec(415, INVALID, 'Unsupported content type {contentType}; send application/json.'),
  queue_full: spec(429, 'rate_limit_error', 'The server is overloaded: {queued} requests are waiting (limit {limit}). Retry later.'),
  unauthorized: spec(401, 'authentication_error', 'Missing or invalid API key.'),
  injected_failure: spec(500, 'server_error', 'Injected failure ({reason}).'),
  upstream_unavailable: spec(502, 'server_error', 'The upstream worker {upstream} is unavailable: {detail}'),
  no_workers: spec(503, 'server_error', 'No worker is available to serve the request.'),
  not_found: spec(404, 'not_found_error', 'Route {method} {url} not found.'),
  invalid_config: spec(400, INVALID, 'Invalid {path}: {detail}'),
  method_not_allowed: spec(405, INVALID, 'Method {method} is not allowed on {url}.'),
  internal_error: spec(500, 'server_error', 'Internal server error.'),
  // CLI side
  bad_flag: spec(2, 'cli_error', 'Invalid option {flag}: {detail}'),
  bad_experiment_file: spec(2, 'cli_error', 'Invalid experiment file {file}: {detail}'),
  /** An input the user named (a file, a folder) cannot be read: a usage error. */
  io_error: spec(2, 'cli_error', 'Cannot {action} {path}: {detail}'),
  /** An input the user named is not what the command takes (e.g. not a run folder): a usage error. */
  bad_input: spec(2, 'cli_error', '{detail}'),
} satisfies Record<string, ErrorSpec>);

export type ErrorCode = keyof typeof ERRORS;

export type ErrorParams = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface ErrorOverrides {
  status?: number;
  type?: string;
  param?: string | null;
  message?: string;
  cause?: unknown;
}

export class KvlabError extends Error {
  readonly code: ErrorCode;
  /** HTTP status (for CLI-side codes: the suggested process exit code). */
  readonly status: number;
  readonly type: string;
  /** The offending request field (dotted path), or null. */
  readonly param: string | null;

  constructor(code: ErrorCode, message: string, status: number, type: string, param: string | null, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'KvlabError';
    this.code = code;
    this.status = status;
    this.type = type;
    this.param = param;
  }
}

export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(ERRORS, x);
}

/** Render a code's template; a missing param shows as `<name>`. */
export function renderMessage(code: ErrorCode, params: ErrorParams = {}): string {
  return ERRORS[code].message.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = params[name];
    return v === undefined || v === null ? `<${name}>` : String(v);
  });
}

/**
 * Build an error from the catalogue. `params.param` (if a string) becomes the error's `param`;
 * `params.status` (if a number) sets the status (for injected_failure / upstream_unavailable).
 */
export function makeError(code: ErrorCode, params: ErrorParams = {}, overrides: ErrorOverrides = {}): KvlabError {
  const s = ERRORS[code];
  const status = overrides.status ?? (typeof params.status === 'number' ? params.status : s.status);
  const param = overrides.param !== undefined ? overrides.param : typeof params.param === 'string' ? params.param : null;
  return new KvlabError(
    code,
    overrides.message ?? renderMessage(code, params),
    status,
    overrides.type ?? s.type,
    param,
    overrides.cause,
  );
}

interface ErrorLike {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  validation?: unknown;
}

/** Turn fastify / undici / node errors into catalogue errors (duck-typed: core imports nothing). */
function fromForeign(err: ErrorLike): KvlabError | null {
  const code = typeof err.code === 'string' ? err.code : '';
  const msg = typeof err.message === 'string' ? err.message : '';
  if (Array.isArray(err.validation) && err.validation.length > 0) {
    const first = err.validation[0] as { instancePath?: string; message?: string };
    const path = (first.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const detail = path ? `${path}: ${first.message ?? 'is invalid'}` : msg || 'invalid request body';
    return makeError('invalid_request', { detail, param: path || null });
  }
  switch (code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return makeError('invalid_json', { detail: msg });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return makeError('body_too_large', {}, { message: 'The request body is too large.' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return makeError('unsupported_media_type', {}, { message: 'Unsupported content type; send application/json.' });
    case 'FST_ERR_NOT_FOUND':
      return makeError('not_found', {}, { message: 'Route not found.' });
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return makeError('upstream_unavailable', { upstream: '', detail: code }, { message: `The upstream is unavailable (${code}).` });
  }
  if (err instanceof SyntaxError && (err as ErrorLike).statusCode === 400) return makeError('invalid_json', { detail: msg });
  return null;
}

/** Any thrown value → a KvlabError (unknown errors → internal_error, original kept as `cause`). */
export function toKvlabError(err: unknown): KvlabError {
  if (err instanceof KvlabError) return err;
  if (typeof err === 'object' && err !== null) {
    const known = fromForeign(err as ErrorLike);
    if (known) return known;
  }
  return makeError('internal_error', {}, { cause: err });
}

/** Any thrown value → an OpenAI-shaped error body (no stack traces). */
export function toErrorBody(err: unknown): ErrorBody {
  const e = toKvlabError(err);
  return { error: { message: e.message, type: e.type, param: e.param, code: e.code } };
}

/** HTTP status for any thrown value (500 for unknown errors; CLI codes map to 400/500). */
export function errorStatus(err: unknown): number {
  const e = toKvlabError(err);
  return e.status >= 100 ? e.status : e.status === 2 ? 400 : 500;
}

/** One-line message for the CLI: "error [code]: message" (unknown errors keep their message). */
export function errorLine(err: unknown): string {
  if (err instanceof KvlabError) return `error [${err.code}]: ${err.message}`;
  const known = typeof err === 'object' && err !== null ? fromForeign(err as ErrorLike) : null;
  if (known) return `error [${known.code}]: ${known.message}`;
  const msg = err instanceof Error ? err.message : String(err);
  return `error: ${msg.split('\n')[0]}`;
}
