/**
 * The benchmark client's public API: `runBench` (library entry of `kvlab bench`), `benchCommand`
 * (what the CLI calls), the runner (`runWorkload`, usable with any send function and clock), the HTTP
 * transport, thresholds, the run-file builder and the terminal summary.
 */
export { runBench, resolveModel, expectedRequests, type BenchOptions, type BenchResult, type Endpoint } from './bench.ts';
export { benchCommand, EXIT_OK, EXIT_FAILED, EXIT_THRESHOLDS, EXIT_INTERRUPTED, type BenchCommandOptions, type BenchIo } from './bench-command.ts';
export { runWorkload, DEFAULT_ABORT_GRACE_MS } from './runner/run-workload.ts';
export { realClock, sleepUntil, type Clock } from './runner/clock.ts';
export { ConversationState, type ChatMessage } from './runner/history.ts';
export type { BenchRecord, RunOutcome, RunWorkloadOptions, SendTurn, TurnDetail, TurnRequest, TurnResult } from './runner/types.ts';
export { createTransport, createAgent, apiBase, WORKER_HEADER, type Transport, type TransportOptions, type SendResult } from './http/transport.ts';
export { createSseDecoder, decodeSse, type SseItem } from './http/sse.ts';
export { buildHeaders, parseHeaderFlag } from './http/headers.ts';
export { parseThreshold, evaluateThresholds, type Threshold, type ThresholdResult } from './report/thresholds.ts';
export { buildRunFile, byTag, type BenchRunFile, type RunMeta, type TagGroup } from './report/run-file.ts';
export { renderSummary } from './report/render-summary.ts';
export { RunFolder, writeJsonAtomic, REQUESTS_FILE, RUN_FILE } from './output/run-folder.ts';
