/**
 * The workload registry: name → { defaults, build(params, inputs) } for every generator, plus the
 * loaders that read their inputs (documents folder, trace JSONL, conversations file). Generators are
 * pure and deterministic for a seed; only the loaders do I/O.
 */
import { conversations } from './conversations.ts';
import { documents } from './documents.ts';
import { multiturn } from './multiturn.ts';
import { prefixRatio } from './prefix-ratio.ts';
import { sharedPrefix } from './shared-prefix.ts';
import { trace } from './trace.ts';
import type { WorkloadDefinition } from './types.ts';

export const WORKLOADS = Object.freeze({
  multiturn,
  documents,
  conversations,
  'prefix-ratio': prefixRatio,
  trace,
  'shared-prefix': sharedPrefix,
});

export type WorkloadName = keyof typeof WORKLOADS;

export const WORKLOAD_NAMES = Object.freeze(Object.keys(WORKLOADS) as WorkloadName[]);

export function isWorkloadName(x: unknown): x is WorkloadName {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(WORKLOADS, x);
}

/** The registry entry of `name`, loosely typed for callers that pick a workload at run time. */
export function getWorkload(name: WorkloadName): WorkloadDefinition<Record<string, unknown>, unknown> {
  return WORKLOADS[name] as unknown as WorkloadDefinition<Record<string, unknown>, unknown>;
}

export type * from './types.ts';
export { buildMultiturn, MULTITURN_DEFAULTS, type MultiturnParams } from './multiturn.ts';
export { buildDocuments, DOCUMENTS_DEFAULTS, type DocumentsParams, type DocumentsInputs } from './documents.ts';
export { docTypeOf, type DocType, type SeedDocument } from './document-types.ts';
export { loadDocuments, DEFAULT_DOCUMENTS_DIR } from './documents-loader.ts';
export {
  buildConversations,
  CONVERSATIONS_DEFAULTS,
  type ConversationsParams,
  type ConversationsInputs,
} from './conversations.ts';
export { loadConversationsInput, DEFAULT_CORPUS_DIR, EXAMPLE_SPEC_FILE } from './conversations-loader.ts';
export { buildPrefixRatio, PREFIX_RATIO_DEFAULTS, type PrefixRatioParams } from './prefix-ratio.ts';
export { buildTrace, TRACE_DEFAULTS, type TraceParams, type TraceInputs } from './trace.ts';
export { loadTrace, parseTraceJsonl, DEFAULT_TRACE_FILE, type TraceRow } from './trace-loader.ts';
export { buildSharedPrefix, SHARED_PREFIX_DEFAULTS, type SharedPrefixParams, type SharedPrefixInputs, type SharedPrefixPreset } from './shared-prefix.ts';
export { loadSharedPrefixPresets, presetsOf, DEFAULT_CALIBRATION_FILE } from './shared-prefix-presets.ts';
export { parseStages, stageArrivals, type Stage } from './stages.ts';
