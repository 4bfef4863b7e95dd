/**
 * The public surface of src/analysis for src/lab and the CLI: loading runs and experiments,
 * statistics, tables, plot specs, rendering and the report/compare/merge entry points.
 */
export { loadRun, isDirectory } from './stats/load-run.ts';
export { loadExperiment, isExperimentDir, type LoadedExperiment, type ExperimentCell } from './stats/load-experiment.ts';
export { loadSweep, isSweepDir, sweepExperiment, type SweepGroup } from './stats/load-sweep.ts';
export { parseRecords } from './stats/parse-records.ts';
export { runName, runDurationS, type LoadedRun, type ParamValue } from './stats/run-data.ts';
export { summarizeRun, type RunStats } from './stats/run-stats.ts';
export { groupRecords, byLabel, byWorker, byDocType, firstVsLater, type Group, type FirstVsLater } from './stats/groupings.ts';
export { compare, type Comparison, type MetricRatio, type TurnRatio } from './stats/compare.ts';
export { merge, mergedRunFile, type MergedRun } from './stats/merge.ts';
export { formatTable, formatTables, type Table, type Column } from './tables.ts';
export * from './summary-tables.ts';
export { ttftPerTurnSpec } from './plots/ttft-per-turn.ts';
export { prefixRatioSpec, type SweepCell, type SweepOptions } from './plots/prefix-ratio.ts';
export { ttftCdfSpec } from './plots/ttft-cdf.ts';
export { latencyOverTimeSpec } from './plots/latency-over-time.ts';
export { workerBarsSpec, hasWorkerData } from './plots/worker-bars.ts';
export { compareTurnsSpec } from './plots/compare-turns.ts';
export { renderSvg } from './render/svg.ts';
export { svgToPng } from './render/png.ts';
export { buildReportHtml, type ReportModel } from './render/html.ts';
export { buildRunsReport, buildExperimentReport } from './report/build-report.ts';
export { writeReport, type WriteReportOptions, type WriteReportResult } from './report/write-report.ts';
export { compareRunDirs, type RunComparison } from './compare-runs.ts';
export { mergeRunDirs, type MergeRunsOptions, type MergeRunsResult } from './write-merged-run.ts';
