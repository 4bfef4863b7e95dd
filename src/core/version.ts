/**
 * kvlab's version, from package.json (one source): what `GET /version` of the mock worker and the
 * router answer, as vLLM's server answers `{"version": ...}`.
 */
import pkg from '../../package.json' with { type: 'json' };

export const KVLAB_VERSION: string = pkg.version;
