/**
 * The calibration report as text: per experiment predicted vs measured mean TTFT, E2E and ITL with
 * the relative error, then median / mean absolute errors, bias and Pearson r, the same by model, and
 * the reference errors of the measurements file (the figure to beat) beside them.
 */
import type { AccuracyReport, ErrorStats, Prediction } from './accuracy.ts';
import { errorStats } from './accuracy.ts';
import type { GroupComparison } from './from-runs.ts';
import type { Measurements } from './measurements.ts';

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const abs = (x: number): string => `${(x * 100).toFixed(1)} %`;
const num = (x: number): string => (x >= 1000 ? x.toFixed(0) : x >= 100 ? x.toFixed(1) : x.toFixed(2));

function row(p: Prediction): string {
  const cell = (v: { predicted: number; measured: number }): string => `${num(v.measured).padStart(8)} ${num(v.predicted).padStart(8)} ${pct(v.predicted / v.measured - 1).padStart(7)}`;
  const name = `${p.model.split('/').pop()} tp${p.tp} ${p.preset}`;
  return `${name.padEnd(50)} ${cell(p.ttft)}  ${cell(p.e2e)}  ${cell(p.itl)}`;
}

function stats(label: string, s: ErrorStats): string {
  return `${label.padEnd(5)} median ${abs(s.medianApe).padStart(7)}  mean ${abs(s.meanApe).padStart(7)}  bias ${pct(s.bias).padStart(7)}  r ${s.pearson === null ? '—' : s.pearson.toFixed(3)}`;
}

export function renderAccuracy(title: string, r: AccuracyReport, reference?: Measurements['referenceErrors']): string {
  const lines = [title, ''];
  lines.push(`${'experiment'.padEnd(50)} ${'TTFT ms: measured  predicted  error'.padEnd(26)}  ${'E2E ms'.padEnd(25)}  ITL ms`);
  for (const p of r.predictions) lines.push(row(p));
  lines.push('');
  lines.push(stats('TTFT', r.ttft));
  lines.push(stats('E2E', r.e2e));
  lines.push(stats('ITL', r.itl));
  if (reference && (reference.ttftMean !== undefined || reference.e2eMean !== undefined || reference.itl !== undefined)) {
    const f = (x: number | undefined): string => (x === undefined ? '—' : abs(x));
    lines.push(`reference (median |error|): TTFT ${f(reference.ttftMean)}, E2E ${f(reference.e2eMean)}, ITL ${f(reference.itl)}${reference.what ? ` — ${reference.what}` : ''}`);
  }
  const byModel = new Map<string, Prediction[]>();
  for (const p of r.predictions) byModel.set(p.model, [...(byModel.get(p.model) ?? []), p]);
  lines.push('');
  lines.push('by model (median |error|: TTFT / E2E / ITL):');
  for (const [model, ps] of byModel) {
    lines.push(
      `  ${model.padEnd(44)} n=${ps.length}  ${abs(errorStats(ps.map((p) => p.ttft)).medianApe)} / ${abs(errorStats(ps.map((p) => p.e2e)).medianApe)} / ${abs(errorStats(ps.map((p) => p.itl)).medianApe)}`,
    );
  }
  return lines.join('\n');
}

/** A run-folder fit: per slice of each run, measured vs fitted mean TTFT and decode span. */
export function renderRunFit(groups: readonly GroupComparison[]): string {
  const lines = ['run / slice (requests)                        TTFT ms: measured   fitted  error   E2E−TTFT ms: measured   fitted  error'];
  for (const g of groups) {
    const name = `${g.run.split('/').pop()} #${g.group} (${g.requests})`;
    lines.push(
      `${name.padEnd(46)}${num(g.ttft.measured).padStart(17)} ${num(g.ttft.fitted).padStart(8)} ${pct(g.ttft.fitted / g.ttft.measured - 1).padStart(7)}` +
        `${num(g.span.measured).padStart(22)} ${num(g.span.fitted).padStart(8)} ${pct(g.span.fitted / g.span.measured - 1).padStart(7)}`,
    );
  }
  return lines.join('\n');
}
