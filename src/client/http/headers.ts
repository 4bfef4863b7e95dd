/**
 * Request headers from the command line: `--api-key` (or OPENAI_API_KEY) as a Bearer token and
 * repeatable `--header 'Name: value'` flags (later flags win; an explicit Authorization header beats
 * the API key).
 */

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parse one `Name: value` flag; throws a one-line error on bad input. */
export function parseHeaderFlag(flag: string): [string, string] {
  const i = flag.indexOf(':');
  if (i <= 0) throw new Error(`--header expects 'Name: value', got '${flag}'`);
  const name = flag.slice(0, i).trim();
  const value = flag.slice(i + 1).trim();
  if (!TOKEN.test(name)) throw new Error(`--header name '${name}' is not a valid HTTP header name`);
  return [name.toLowerCase(), value];
}

export function buildHeaders(apiKey: string | null | undefined, headerFlags: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  if (apiKey) out.authorization = `Bearer ${apiKey}`;
  for (const f of headerFlags) {
    const [name, value] = parseHeaderFlag(f);
    out[name] = value;
  }
  return out;
}
