/** Shared helpers of the mock-server tests (not a test file). */
import { waitFor } from '../../helpers/wait.ts';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A tiny Prometheus text-format parser: TYPE lines and samples; throws on a malformed line. */
export function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) throw new Error(`bad comment line: ${line}`);
      if (m[1] === 'TYPE') types.set(m[2], m[3]);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      for (const part of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[part[1]] = part[2];
    }
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') throw new Error(`bad value: ${line}`);
    samples.push({ name: m[1], labels, value });
  }
  return { types, samples };
}

/** Sum of the samples of one metric whose labels include `match`. */
export function metricValue(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

/** Wait (yielding to I/O, bounded) until `cond` holds; throws with `what` if it never does. */
export const until = (cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> => waitFor(cond, what, timeoutMs, 5);

/** The JSON chunks of an SSE body, and whether it ended with [DONE]. */
export function parseSse(body: string): { chunks: Record<string, any>[]; done: boolean } {
  const chunks: Record<string, any>[] = [];
  let done = false;
  for (const event of body.split('\n\n')) {
    const line = event.trim();
    if (!line) continue;
    if (!line.startsWith('data: ')) throw new Error(`bad SSE event: ${line}`);
    const data = line.slice(6);
    if (data === '[DONE]') done = true;
    else chunks.push(JSON.parse(data));
  }
  return { chunks, done };
}
