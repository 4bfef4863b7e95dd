/**
 * How many virtual-clock cells `kvlab experiment` runs at once when `--jobs` is not given: one per
 * core that other work leaves free (in the spirit of make's `--load-average`, which holds back new
 * jobs while the load is high). On an idle machine that is the number of cores (the parallel-cells
 * bench: on 2 idle cores, `--jobs 2` took 0.97–1.07× the time of `--jobs 1` for the shipped sweep and
 * 0.62–0.75× for long cells); on a busy one a second thread only competes with the other work for the
 * same cores (at load 3–6, `--jobs 2` took 1.3–2× as long), so each whole unit of the 1-minute load
 * average takes one core away, down to one job.
 */

/** Jobs for `cores` cores at a 1-minute load average of `load1`: cores − ⌊load⌋, at least 1. */
export function autoJobs(cores: number, load1: number): number {
  const busy = Number.isFinite(load1) && load1 > 0 ? Math.floor(load1) : 0;
  return Math.max(1, Math.min(cores, cores - busy));
}
