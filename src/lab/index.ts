/**
 * The lab's public API: experiments (files, shipped ones, the runner on the virtual clock, an
 * embedded cluster or remote targets), the demo, and the clusters themselves.
 */
export {
  runExperiment,
  defaultOutDir,
  SUMMARY_FILE,
  EXPERIMENT_FILE,
  type RunExperimentOptions,
  type ExperimentResult,
  type ExperimentProgress,
  type Target,
} from './run-experiment.ts';
export {
  parseExperiment,
  applyOverrides,
  expandMatrix,
  resolveMatrixPath,
  parseSetFlag,
  ExperimentFileError,
  ExperimentSchema,
  type Experiment,
  type Cell,
  type ClusterSettings,
  type RouterSettings,
  type WorkloadSection,
} from './experiment-file.ts';
export { listShipped, loadExperimentFile, readExperimentFile, resolveExperimentPath, SHIPPED_DIR, type ShippedExperiment } from './experiment-source.ts';
export { cellEntry, progressLine, paramsText, type CellEntry, type SummaryDoc, type Clock } from './experiment-summary.ts';
export { resolveCluster, virtualClusterConfig, embeddedClusterOptions, CLUSTER_DEFAULTS, type ResolvedCluster } from './cluster-settings.ts';
export { compressWorkloadTime, WorkloadCache } from './cell-workload.ts';
export { runDemo, demoHeadlines, renderHeadlines, CHECK_SETS, type DemoOptions, type DemoResult, type DemoHeadlines } from './demo.ts';
export { startCluster, type ClusterOptions, type RunningCluster } from './cluster.ts';
export { runVirtual } from './virtual/index.ts';
