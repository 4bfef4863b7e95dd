/**
 * The vocabulary of kvlab's own benchmarks: a suite measures one part of kvlab and returns figures;
 * a figure is the median of several runs with its min and max, optionally beside a baseline measured
 * in the same run and a target it must meet. Pure types, no I/O.
 */

/** Median, min and max over the runs of one measurement. */
export interface RunStats {
  median: number;
  min: number;
  max: number;
  /** How many runs the figure rests on. */
  runs: number;
}

export type TargetOp = '<' | '<=' | '>' | '>=';

/** What a figure must reach: its median value, or its ratio to the baseline, against a limit. */
export interface Target {
  on: 'value' | 'ratio';
  op: TargetOp;
  limit: number;
}

export interface Figure {
  /** Stable id, e.g. `virtual.wall_s` (unit-suffixed). */
  id: string;
  /** Human label for the table. */
  name: string;
  unit: string;
  value: RunStats;
  baseline: { name: string; value: RunStats } | null;
  /** value.median / baseline.median (null without a baseline). */
  ratio: number | null;
  target: Target | null;
  /** Whether the target is met by the medians (null without a target). */
  met: boolean | null;
  /** How it was measured, caveats. */
  note?: string;
}

export interface SuiteOptions {
  quick: boolean;
  /** Repetitions per measurement (the suite's default when undefined). */
  runs?: number;
}

export interface SuiteResult {
  suite: string;
  title: string;
  figures: Figure[];
  /** Settings the suite ran with (workers, concurrency, durations, ...). */
  config: Record<string, unknown>;
  wallS: number;
  error: string | null;
}

export interface Suite {
  id: string;
  title: string;
  run(opts: SuiteOptions, log: (msg: string) => void): Promise<{ figures: Figure[]; config: Record<string, unknown> }>;
}
