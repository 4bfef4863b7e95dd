/**
 * API-key check for `--api-key` (mock workers and the router alike): `Authorization: Bearer <key>`, compared in constant time
 * (crypto.timingSafeEqual over SHA-256 digests, so the lengths are always equal and the key's length
 * does not leak). Returns an `unauthorized` KvlabError (401) or null.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { makeError, type KvlabError } from './errors.ts';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Build a checker for one key; the checker returns null when the header carries the key. */
export function bearerChecker(apiKey: string): (authorization: string | string[] | undefined) => KvlabError | null {
  const expected = digest(apiKey);
  return (authorization) => {
    const header = Array.isArray(authorization) ? authorization[0] : authorization;
    const m = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '');
    if (m && timingSafeEqual(digest(m[1]), expected)) return null;
    return makeError('unauthorized', {}, {
      message: header ? 'Incorrect API key provided.' : 'Missing API key: send an "Authorization: Bearer <key>" header.',
    });
  };
}
