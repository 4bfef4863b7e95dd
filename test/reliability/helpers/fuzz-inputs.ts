/**
 * fast-check arbitraries for fuzzing the OpenAI HTTP surfaces (mock worker and router): request
 * bodies that start from a valid chat or completions request and are then broken — fields dropped,
 * retyped or added (huge and negative numbers, deep nesting, `__proto__` / `constructor` keys, lone
 * surrogates), the JSON truncated, invalid UTF-8 spliced in, garbage bytes, wrong content types — and
 * request headers (hop-by-hop, encodings, odd names and values) on an otherwise good request.
 *
 * Bodies are built as a small JSON tree rendered by hand, so they can hold what a JS object cannot
 * (duplicate keys, an own `__proto__` key). Valid requests ask for at most a few tokens, so they
 * finish fast on a mock with a huge speedup ratio.
 */
import fc from 'fast-check';

export const MODEL = 'kvlab-mock';
export const CHAT = '/v1/chat/completions';
export const COMPLETIONS = '/v1/completions';

/** A JSON document tree: a plain value, an object as an ordered entry list, or pre-rendered text. */
export type Doc = { t: 'value'; v: unknown } | { t: 'obj'; entries: [string, Doc][] } | { t: 'arr'; items: Doc[] } | { t: 'text'; s: string };

const value = (v: unknown): Doc => ({ t: 'value', v });
const obj = (entries: [string, Doc][]): Doc => ({ t: 'obj', entries });

export function render(d: Doc): string {
  switch (d.t) {
    case 'value':
      return JSON.stringify(d.v) ?? 'null';
    case 'text':
      return d.s;
    case 'arr':
      return `[${d.items.map(render).join(',')}]`;
    case 'obj':
      return `{${d.entries.map(([k, v]) => `${JSON.stringify(k)}:${render(v)}`).join(',')}}`;
  }
}

const WEIRD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', '', ' ', 'MODEL', 'model ', 'messages\u0000', '\ud800', 'x'.repeat(300)];
const KNOWN_KEYS = [
  'model', 'messages', 'prompt', 'max_tokens', 'max_completion_tokens', 'min_tokens', 'stream', 'stream_options', 'n', 'temperature',
  'top_p', 'seed', 'stop', 'ignore_eos', 'nvext', 'user', 'echo', 'logprobs', 'tools', 'response_format',
];
const MESSAGE_KEYS = ['role', 'content', 'name', 'reasoning_content', 'tool_calls', '__proto__', 'constructor'];

const HUGE_NUMBERS = [
  0, -0, -1, 1, 2, 3, 0.5, -0.5, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER,
  1e21, -1e21, 1e308, -1e308, 5e-324, 199998, 200007, 1e9,
];

const numberDoc: fc.Arbitrary<Doc> = fc.oneof(
  fc.constantFrom(...HUGE_NUMBERS).map(value),
  fc.integer().map(value),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(value),
  // numbers JSON.stringify cannot write but a client can send
  fc.constantFrom('1e400', '-1e400', '1E+2', '0.0000000000000000000001', '123456789012345678901234567890').map((s): Doc => ({ t: 'text', s })),
);

const stringDoc: fc.Arbitrary<Doc> = fc.oneof(
  fc.string({ maxLength: 20 }).map(value),
  fc.string({ unit: 'binary', maxLength: 40 }).map(value), // lone surrogates included
  fc.constantFrom('', ' ', 'user', 'assistant', 'system', MODEL, '<|im_start|>', '<|endoftext|>', '\u0000', '\ufeff', '%s%n', '${x}').map(value),
);

/** Deeply nested arrays or objects, as text (depth up to 20,000). */
const deepDoc: fc.Arbitrary<Doc> = fc
  .tuple(fc.integer({ min: 50, max: 20_000 }), fc.boolean())
  .map(([n, arrays]): Doc => ({ t: 'text', s: arrays ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n) }));

const weirdObjectDoc: fc.Arbitrary<Doc> = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...WEIRD_KEYS), fc.string({ maxLength: 8 })), fc.jsonValue({ maxDepth: 2 }).map(value)), { maxLength: 4 })
  .map((entries) => obj(entries));

/** Any value a broken client might put in a field. */
export const wildDoc: fc.Arbitrary<Doc> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(value) },
  { weight: 3, arbitrary: numberDoc },
  { weight: 3, arbitrary: stringDoc },
  { weight: 1, arbitrary: deepDoc },
  { weight: 2, arbitrary: weirdObjectDoc },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null, [], {}).map(value) },
);

const smallMaxTokens = fc.integer({ min: 1, max: 4 });
const text = fc.oneof(fc.constantFrom('hello there', 'hi', 'tell me a story', 'x'), fc.string({ minLength: 1, maxLength: 30 }));
const tokenIds = fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 12 });

/** Optional fields of a valid request (values inside the schema's bounds). */
const optionalFields: fc.Arbitrary<[string, Doc][]> = fc
  .record(
    {
      stream: fc.boolean(),
      stream_options: fc.constantFrom(null, { include_usage: true }, { include_usage: false }),
      ignore_eos: fc.boolean(),
      seed: fc.oneof(fc.constant(null), fc.integer()),
      temperature: fc.oneof(fc.constant(null), fc.double({ min: 0, max: 2, noNaN: true })),
      top_p: fc.double({ min: 0.01, max: 1, noNaN: true }),
      stop: fc.oneof(fc.constant(null), fc.string({ maxLength: 4 }), fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 })),
      user: fc.string({ maxLength: 10 }),
      nvext: fc.constantFrom({ ignore_eos: true }, { agent_hints: { speculative_prefill: false } }, {}),
    },
    { requiredKeys: [] },
  )
  .map((r) => Object.entries(r).map(([k, v]): [string, Doc] => [k, value(v)]));

const validChat: fc.Arbitrary<{ path: string; doc: Doc }> = fc.tuple(text, smallMaxTokens, optionalFields).map(([content, maxTokens, extra]) => ({
  path: CHAT,
  doc: obj([
    ['model', value(MODEL)],
    ['messages', { t: 'arr', items: [obj([['role', value('user')], ['content', value(content)]])] }],
    ['max_tokens', value(maxTokens)],
    ...extra,
  ]),
}));

const validCompletion: fc.Arbitrary<{ path: string; doc: Doc }> = fc
  .tuple(fc.oneof(text.map(value), tokenIds.map(value), text.map((s) => value([s]))), smallMaxTokens, optionalFields)
  .map(([prompt, maxTokens, extra]) => ({ path: COMPLETIONS, doc: obj([['model', value(MODEL)], ['prompt', prompt], ['max_tokens', value(maxTokens)], ...extra]) }));

type Mutation =
  | { op: 'drop'; index: number }
  | { op: 'set'; key: string; v: Doc }
  | { op: 'add'; key: string; v: Doc }
  | { op: 'message'; key: string; v: Doc | null }
  | { op: 'root'; v: Doc };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), index: fc.nat(12) }),
  fc.record({ op: fc.constant('set' as const), key: fc.constantFrom(...KNOWN_KEYS), v: wildDoc }),
  fc.record({ op: fc.constant('add' as const), key: fc.oneof(fc.constantFrom(...WEIRD_KEYS, ...KNOWN_KEYS), fc.string({ maxLength: 10 })), v: wildDoc }),
  fc.record({ op: fc.constant('message' as const), key: fc.constantFrom(...MESSAGE_KEYS), v: fc.option(wildDoc, { nil: null }) }),
  { arbitrary: fc.record({ op: fc.constant('root' as const), v: wildDoc }), weight: 1 },
);

function mutate(doc: Doc, m: Mutation): Doc {
  if (doc.t !== 'obj') return doc;
  const entries = [...doc.entries];
  switch (m.op) {
    case 'drop':
      if (entries.length > 0) entries.splice(m.index % entries.length, 1);
      break;
    case 'set': {
      const i = entries.findIndex(([k]) => k === m.key);
      if (i >= 0) entries[i] = [m.key, m.v];
      else entries.push([m.key, m.v]);
      break;
    }
    case 'add':
      entries.push([m.key, m.v]); // may duplicate a key
      break;
    case 'message': {
      const i = entries.findIndex(([k]) => k === 'messages');
      const msgs = i >= 0 ? entries[i][1] : null;
      if (msgs?.t === 'arr' && msgs.items[0]?.t === 'obj') {
        const first = msgs.items[0];
        const kept = first.entries.filter(([k]) => k !== m.key);
        const changed = obj(m.v === null ? kept : [...kept, [m.key, m.v]]);
        entries[i] = ['messages', { t: 'arr', items: [changed, ...msgs.items.slice(1)] }];
      }
      break;
    }
    case 'root':
      return m.v;
  }
  return obj(entries);
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset=UTF-8'];
const OTHER_TYPES = [
  'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz', 'application/octet-stream', 'application/jsonx',
  'application/json-seq', 'text/json', 'application/*', '*/*', 'application/json; charset=utf-16', 'application/xml', ';;;', 'application/',
];

export interface FuzzBody {
  path: string;
  payload: string | Buffer;
  /** undefined: no content-type header. */
  contentType: string | undefined;
  /** The unbroken valid request, sent as is: must succeed. */
  mustSucceed: boolean;
  /** What was done, for failure messages. */
  story: string;
}

type Encoding = { kind: 'json' } | { kind: 'truncate'; at: number } | { kind: 'utf8'; at: number; bytes: number[] } | { kind: 'garbage'; bytes: Uint8Array } | { kind: 'empty' };

const encoding: fc.Arbitrary<Encoding> = fc.oneof(
  { weight: 14, arbitrary: fc.constant({ kind: 'json' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('utf8' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('garbage' as const), bytes: fc.uint8Array({ maxLength: 200 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
);

function encode(textBody: string, e: Encoding): string | Buffer {
  switch (e.kind) {
    case 'json':
      return textBody;
    case 'truncate':
      return textBody.slice(0, e.at % Math.max(1, textBody.length));
    case 'utf8': {
      const buf = Buffer.from(textBody, 'utf8');
      const at = e.at % (buf.length + 1);
      return Buffer.concat([buf.subarray(0, at), Buffer.from(e.bytes), buf.subarray(at)]);
    }
    case 'garbage':
      return Buffer.from(e.bytes);
    case 'empty':
      return '';
  }
}

const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 16, arbitrary: fc.constantFrom(...JSON_TYPES) },
  { weight: 3, arbitrary: fc.constantFrom(...OTHER_TYPES) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const PATHS = ['/v1/chat/completions?stream=true', '/v1/models', '/health', '/reset_prefix_cache', '/v1//chat/completions', '/v1/chat/completions/', '/v1/embeddings', '/%zz', '/v1/completions#x'];

/** A request body for a completion route (or, rarely, another path), broken in up to three ways. */
export const fuzzBody: fc.Arbitrary<FuzzBody> = fc
  .tuple(
    fc.oneof(validChat, validCompletion),
    fc.array(mutation, { maxLength: 3 }),
    encoding,
    contentType,
    fc.oneof({ weight: 30, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...PATHS) }),
  )
  .map(([base, mutations, enc, type, otherPath]) => {
    const doc = mutations.reduce(mutate, base.doc);
    const path = otherPath ?? base.path;
    const payload = encode(render(doc), enc);
    const mustSucceed = mutations.length === 0 && enc.kind === 'json' && type !== undefined && JSON_TYPES.includes(type) && otherPath === null;
    const story = `${path} ${type ?? '(no content-type)'} ${enc.kind} after ${JSON.stringify(mutations).slice(0, 300)}`;
    return { path, payload, contentType: type, mustSucceed, story };
  });

const HEADER_NAMES = [
  'authorization', 'content-type', 'content-length', 'accept', 'accept-encoding', 'accept-charset', 'connection', 'expect', 'transfer-encoding',
  'upgrade', 'host', 'te', 'trailer', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'x-forwarded-for', 'forwarded', 'cookie',
  'x-kvlab-worker', 'x-kvlab-upstream-worker', 'content-encoding', 'range', 'if-none-match', 'cache-control', 'origin', 'user-agent',
  'x-request-id', 'openai-organization', 'idempotency-key', '__proto__', 'constructor',
];

/** Printable header values (what an HTTP client can send): ASCII, tabs, Latin-1, long ones. */
const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.constantFrom(
    '', ' ', 'close', 'keep-alive', 'upgrade', 'chunked', 'gzip', 'deflate, br', '100-continue', 'websocket', 'Bearer', 'Bearer ', 'Basic Zm9vOmJhcg==',
    'application/json', 'text/event-stream', 'bytes=0-10', '0', '-1', '99999999999999999999', 'trailers', 'x-kvlab-worker, authorization',
    'content-type', 'é\u00ff', '\t', 'a\tb',
  ),
  fc.integer({ min: 1, max: 8192 }).map((n) => 'v'.repeat(n)),
);

export interface FuzzHeaders {
  headers: Record<string, string>;
  story: string;
}

/** Extra headers for a good request (x-kvlab-fail is left out: it asks for a failure on purpose). */
export const fuzzHeaders: fc.Arbitrary<FuzzHeaders> = fc
  .array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...HEADER_NAMES) }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,24}$/) }), headerValue), {
    minLength: 1,
    maxLength: 6,
  })
  .map((pairs) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of pairs) if (k !== 'x-kvlab-fail') Object.defineProperty(headers, k, { value: v, enumerable: true, writable: true, configurable: true });
    return { headers, story: JSON.stringify(pairs.map(([k, v]) => [k, v.length > 60 ? `${v.slice(0, 20)}…(${v.length})` : v])) };
  });

/** A small good request for the header fuzz: non-streaming or streaming chat. */
export const goodChatBody = (stream: boolean): string =>
  JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hello there' }], max_tokens: 2, stream });
