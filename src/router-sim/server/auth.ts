/**
 * Client API-key check for `--api-key`: `Authorization: Bearer <key>`, compared in constant time
 * (timingSafeEqual over SHA-256 digests: equal lengths always, so the key's length does not leak).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { makeError, type KvlabError } from '../../core/errors.ts';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function bearerChecker(apiKey: string): (authorization: string | string[] | undefined) => KvlabError | null {
  const expected = digest(apiKey);
  return (authorization) => {
    const header = Array.isArray(authorization) ? authorization[0] : authorization;
    const m = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '');
    if (m && timingSafeEqual(digest(m[1]), expected)) return null;
    return makeError('unauthorized', {}, { message: header ? 'Incorrect API key provided.' : 'Missing API key: send an "Authorization: Bearer <key>" header.' });
  };
}
