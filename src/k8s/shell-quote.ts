/**
 * POSIX shell quoting for the pod scripts of the Kubernetes manifests (manifests.ts): every word the
 * user gave is single-quoted, so a flag value is never expanded or split by the pod's shell. Pure.
 */

/** One word, quoted for `sh` (`'it'\''s'`); plain words of safe characters stay as they are. */
export function shQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export const shJoin = (words: readonly string[]): string => words.map(shQuote).join(' ');
