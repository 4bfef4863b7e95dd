/**
 * A request body's bytes. Without any message carrying JSON content (workloads/json-content.ts) it is
 * `JSON.stringify(body)`, unchanged. With some, it is the same bytes written into one Buffer: every
 * other key and value goes through JSON.stringify (in the body's own key order), each such content is
 * written by itself between its quotes, and the Buffer goes to undici as is (no UTF-8 encoding pass).
 */
import { jsonContentOf, type JsonContent } from '../workloads/json-content.ts';

function hasJsonContent(messages: unknown): messages is unknown[] {
  if (!Array.isArray(messages)) return false;
  for (const m of messages) if (m !== null && typeof m === 'object' && jsonContentOf(m) !== undefined) return true;
  return false;
}

/** `"key":value` of one property, or null when JSON.stringify leaves it out (undefined, a function). */
function member(key: string, value: unknown): string | null {
  const v = JSON.stringify(value) as string | undefined;
  return v === undefined ? null : `${JSON.stringify(key)}:${v}`;
}

/**
 * Appends the JSON of `obj` to `parts`, key by key in its own order, the value of `key` appended by
 * `value` (the other values through JSON.stringify).
 */
function pushObject(parts: (string | JsonContent)[], obj: Record<string, unknown>, key: string, value: () => void): void {
  let head = '{';
  let first = true;
  for (const k of Object.keys(obj)) {
    if (k === key) {
      parts.push(`${head}${first ? '' : ','}${JSON.stringify(k)}:`);
      value();
      head = '';
      first = false;
      continue;
    }
    const mem = member(k, obj[k]);
    if (mem === null) continue;
    head += (first ? '' : ',') + mem;
    first = false;
  }
  parts.push(head + '}');
}

/** Appends one message: its JSON content (if any) as its own part between its quotes. */
function pushMessage(parts: (string | JsonContent)[], m: unknown): void {
  const raw = m !== null && typeof m === 'object' ? jsonContentOf(m) : undefined;
  if (raw === undefined) parts.push((JSON.stringify(m) as string | undefined) ?? 'null'); // as in any array
  else pushObject(parts, m as Record<string, unknown>, 'content', () => parts.push('"', raw, '"'));
}

/**
 * The body as JSON: a string when nothing in it writes itself, else a Buffer of the same bytes, at the
 * start of a Buffer from `alloc` (asked for an upper bound of their length).
 */
export function encodeJsonBody(body: Record<string, unknown>, alloc: (bytes: number) => Buffer = Buffer.allocUnsafe): string | Buffer {
  if (!hasJsonContent(body.messages)) return JSON.stringify(body);
  const parts: (string | JsonContent)[] = [];
  const msgs = body.messages;
  pushObject(parts, body, 'messages', () => {
    parts.push('[');
    for (let i = 0; i < msgs.length; i++) {
      if (i > 0) parts.push(',');
      pushMessage(parts, msgs[i]);
    }
    parts.push(']');
  });
  let bound = 0;
  for (const p of parts) bound += typeof p === 'string' ? Buffer.byteLength(p) : p.maxByteLength();
  // Written in order, so a content's lanes past its end are overwritten by what follows it.
  const out = alloc(bound);
  let at = 0;
  for (const p of parts) at = typeof p === 'string' ? at + out.write(p, at) : p.write(out, at);
  return out.subarray(0, at);
}
