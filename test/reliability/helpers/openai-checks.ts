/**
 * Oracles shared by the reliability tests: is an HTTP answer a well-formed OpenAI answer (an error body
 * `{error:{message,type,param,code}}` for 4xx, a completion or an SSE stream ending in [DONE] for
 * 200)? And did anything write to the built-in prototypes?
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ErrorBody } from '../../../src/core/openai-schemas.ts';

const errorBody = TypeCompiler.Compile(ErrorBody);

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** Why `a` is not a well-formed answer to a client's request, or null when it is (5xx is never fine). */
export function answerProblem(a: Answer): string | null {
  if (a.status >= 500) return `server error ${a.status}: ${a.body.slice(0, 300)}`;
  if (a.status >= 400) {
    if (!a.contentType.includes('application/json')) return `error ${a.status} with content type '${a.contentType}'`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(a.body);
    } catch {
      return `error ${a.status} body is not JSON: ${a.body.slice(0, 200)}`;
    }
    if (!errorBody.Check(parsed)) return `error ${a.status} body is not an OpenAI error body: ${a.body.slice(0, 300)}`;
    return null;
  }
  if (a.status !== 200) return `unexpected status ${a.status}`;
  if (a.contentType.includes('text/event-stream')) {
    const events = a.body.split('\n\n').filter((e) => e.trim() !== '');
    if (events.at(-1) !== 'data: [DONE]') return `stream does not end with [DONE]: ...${a.body.slice(-200)}`;
    for (const e of events.slice(0, -1)) {
      if (!e.startsWith('data: ')) return `not an SSE data event: ${e.slice(0, 100)}`;
      const chunk = JSON.parse(e.slice(6)) as { error?: unknown; choices?: unknown };
      if (chunk.error !== undefined || !Array.isArray(chunk.choices)) return `bad stream chunk: ${e.slice(0, 200)}`;
    }
    return null;
  }
  try {
    const body = JSON.parse(a.body) as { choices?: unknown; usage?: unknown; object?: unknown; status?: unknown; data?: unknown; ok?: unknown };
    if (Array.isArray(body.choices) && typeof body.usage === 'object') return null;
    if (body.object === 'list' && Array.isArray(body.data)) return null; // GET-able routes reached by path fuzzing
    if (body.status === 'ok' || body.ok === true) return null;
    return `200 body is not a completion: ${a.body.slice(0, 200)}`;
  } catch {
    return `200 body is not JSON: ${a.body.slice(0, 200)}`;
  }
}

const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype, Boolean.prototype, Promise.prototype];

/** Every own property (value or accessor) of the built-in prototypes, to compare before and after. */
export function prototypeSnapshot(): Map<string, unknown>[] {
  return PROTOTYPES.map((proto) => {
    const m = new Map<string, unknown>();
    for (const key of Reflect.ownKeys(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, key)!;
      m.set(String(key), d.get ?? d.set ?? d.value);
    }
    return m;
  });
}

/** Names of properties that appeared, vanished or changed since `before`. */
export function prototypeChanges(before: Map<string, unknown>[]): string[] {
  const after = prototypeSnapshot();
  const out: string[] = [];
  after.forEach((m, i) => {
    for (const [k, v] of m) if (!before[i].has(k) || before[i].get(k) !== v) out.push(`${i}:${k}`);
    for (const k of before[i].keys()) if (!m.has(k)) out.push(`${i}:-${k}`);
  });
  return out;
}

/** `p`, or a rejection naming `what` if it has not settled after `ms` (a hang detector, not a timing check). */
export function withDeadline<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer after ${ms} ms: ${what()}`)), ms);
  });
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}
