/**
 * Defaults of `kvlab bench`'s shared flags, in a module that imports nothing, so the CLI reads them
 * for --help without loading the client.
 */

/** The share of failed requests a run accepts before it exits 1 (report/failures.ts). */
export const DEFAULT_MAX_FAILED_SHARE = 0.05;
