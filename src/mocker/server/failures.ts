/**
 * Failure injection for resilience tests: a request header `x-kvlab-fail: <status>` fails that request
 * with the given status, and `failureRate` fails a seeded share of requests with a status drawn from
 * `failureCodes`. Failures are OpenAI error bodies with code `injected_failure`.
 */
import { makeError, type KvlabError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';

export const FAIL_HEADER = 'x-kvlab-fail';

export interface FailureInjector {
  /** The failure to answer this request with, or null. Draws from the rng only when failureRate > 0. */
  check(header: string | string[] | undefined): KvlabError | null;
}

export function failureInjector(failureRate: number, failureCodes: readonly number[], rng: Rng): FailureInjector {
  return {
    check(header) {
      const raw = Array.isArray(header) ? header[0] : header;
      if (raw !== undefined) {
        const status = Number(raw.trim());
        if (!Number.isInteger(status) || status < 400 || status > 599) {
          return makeError('invalid_request', { detail: `${FAIL_HEADER}: must be an HTTP error status (400–599), got '${raw}'`, param: FAIL_HEADER });
        }
        return makeError('injected_failure', { reason: `${FAIL_HEADER} header` }, { status });
      }
      if (failureRate > 0 && rng.next() < failureRate) {
        const status = failureCodes[rng.int(0, failureCodes.length - 1)];
        return makeError('injected_failure', { reason: `failure rate ${failureRate}` }, { status });
      }
      return null;
    },
  };
}
