/**
 * `kvlab report`: loads run folders, an experiment folder or sweep folders (one run folder per
 * setting, as `kvlab bench prefix-ratio --output DIR` writes), builds the report (build-report.ts),
 * renders every plot to SVG and 2× PNG, and writes one self-contained report.html. I/O shell:
 * compute → render → write.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Slos } from '../../core/goodput.ts';
import { loadVegaAssets } from '../render/assets.ts';
import { buildReportHtml, type ReportModel } from '../render/html.ts';
import { svgToPng } from '../render/png.ts';
import { renderSvg } from '../render/svg.ts';
import { isExperimentDir, loadExperiment } from '../stats/load-experiment.ts';
import { loadRun } from '../stats/load-run.ts';
import { isSweepDir, loadSweep } from '../stats/load-sweep.ts';
import { buildExperimentReport, buildRunsReport } from './build-report.ts';

export interface WriteReportOptions {
  /** Run folders (several are compared in one report); a single experiment folder, or sweep folders, work too. */
  runDirs?: string[];
  experimentDir?: string;
  outDir: string;
  slos?: Slos;
  sweepX?: string;
  sweepSeries?: string | null;
  title?: string;
  /** Write PNGs next to the SVGs (default true). */
  png?: boolean;
  /** Only these plots (ids of plots/plot-ids.ts), in the report and as files; all when absent. */
  plots?: readonly string[];
}

export interface WriteReportResult {
  reportPath: string;
  /** Paths of the written plot files (SVG and PNG). */
  plots: string[];
}

/** The report shows a run's ITL distribution only, never its gaps: read records without them (load-run.ts). */
const REPORT_LOAD = { itlGaps: false } as const;

async function buildModel(opts: WriteReportOptions): Promise<ReportModel> {
  const build = { slos: opts.slos, sweepX: opts.sweepX, sweepSeries: opts.sweepSeries, title: opts.title };
  const dirs = opts.runDirs ?? [];
  if (opts.experimentDir !== undefined) {
    if (dirs.length > 0) throw new Error('give either run folders or an experiment folder, not both');
    return buildExperimentReport(await loadExperiment(opts.experimentDir, REPORT_LOAD), build);
  }
  if (dirs.length === 0) throw new Error('nothing to report: give at least one run folder');
  const experiments = await Promise.all(dirs.map(isExperimentDir));
  if (experiments.some(Boolean)) {
    if (dirs.length > 1) throw new Error(`an experiment folder is reported on its own: ${dirs[experiments.indexOf(true)]}`);
    return buildExperimentReport(await loadExperiment(dirs[0], REPORT_LOAD), build);
  }
  const sweeps = await Promise.all(dirs.map(isSweepDir));
  if (sweeps.some(Boolean)) {
    const other = dirs.find((_, i) => !sweeps[i]);
    if (other !== undefined) throw new Error(`a sweep folder (${dirs[sweeps.indexOf(true)]}) is reported with other sweep folders only, not with ${other}`);
    return buildExperimentReport(await loadSweep(dirs, REPORT_LOAD), build);
  }
  return buildRunsReport(await Promise.all(dirs.map((d) => loadRun(d, REPORT_LOAD))), build);
}

export async function writeReport(opts: WriteReportOptions): Promise<WriteReportResult> {
  const built = await buildModel(opts);
  const model = opts.plots ? { ...built, plots: built.plots.filter((p) => opts.plots!.includes(p.id)) } : built;
  const assets = await loadVegaAssets();
  await mkdir(opts.outDir, { recursive: true });
  const plots: string[] = [];
  for (const plot of model.plots) {
    const svg = await renderSvg(plot.spec);
    const svgPath = join(opts.outDir, `${plot.id}.svg`);
    await writeFile(svgPath, svg);
    plots.push(svgPath);
    if (opts.png !== false) {
      const pngPath = join(opts.outDir, `${plot.id}.png`);
      await writeFile(pngPath, svgToPng(svg).data);
      plots.push(pngPath);
    }
  }
  const reportPath = join(opts.outDir, 'report.html');
  await writeFile(reportPath, buildReportHtml(model, assets));
  return { reportPath, plots };
}
