/** Every plot a report can hold, by id: the file names of its SVG/PNG and the names experiment files use in `plots`. */
export const PLOT_IDS = ['sweep', 'ttft-per-turn', 'ttft-cdf', 'latency-over-time', 'worker-bars', 'compare-ttft-per-turn'] as const;
export type PlotId = (typeof PLOT_IDS)[number];
