/**
 * The terminal summary of a bench run, in the spirit of autocannon and vLLM's bench: failed requests
 * first (how many against the accepted share, ✓/✗, and per error kind its count and one message),
 * then warnings found before sending, thresholds (✓/✗ with the observed value), then totals, latency percentiles with their sample counts (serving
 * overhead = client TTFT − engine TTFT among them) and the serving check's line (⚠ when the machine,
 * not the engine, made the numbers), TTFT by turn, the first-vs-later speedup and the
 * per-document-type table. Pure: run file in, text out; ANSI colour only when asked (the CLI asks on
 * a TTY).
 */
import type { Dist } from '../../core/records.ts';
import type { BenchRunFile } from './run-file.ts';
import { failureHeadline, failureLines, type FailureCheck } from './failures.ts';
import { formatMs, formatNumber } from '../../core/number-format.ts';

export interface RenderOptions {
  color: boolean;
}

const ANSI = { green: 32, red: 31, yellow: 33, bold: 1, dim: 2, cyan: 36 } as const;

function paint(on: boolean, code: keyof typeof ANSI, s: string): string {
  return on ? `\x1b[${ANSI[code]}m${s}\x1b[0m` : s;
}

export function fmt(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (a >= 10_000) return x.toFixed(0);
  if (a > 0 && a < 0.01) return formatNumber(x); // never an exponent
  return x.toFixed(digits);
}

/** A duration in ms with its unit, ms or µs by size (core/number-format): `19.5 ms`, `640 µs`. */
function dur(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '-' : formatMs(x);
}

function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '-' : `${(x * 100).toFixed(1)} %`;
}

/** Left-aligned first column, right-aligned others. */
export function table(rows: string[][], indent = '  '): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => indent + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd());
}

function distRow(name: string, d: Dist): string[] {
  return [name, dur(d.min), dur(d.mean), dur(d.p50), dur(d.p90), dur(d.p95), dur(d.p99), dur(d.max), String(d.count)];
}

/** The failure block: the headline with ✓/✗, then each error kind (nothing when no request failed). */
export function renderFailures(f: FailureCheck, opts: RenderOptions): string[] {
  if (f.failed === 0) return [];
  const c = opts.color;
  const mark = f.ok ? paint(c, 'yellow', '✓') : paint(c, 'red', '✗');
  return [paint(c, f.ok ? 'yellow' : 'red', 'Failed requests'), `  ${mark} ${failureHeadline(f)}`, ...table(failureLines(f), '    ')];
}

export function renderSummary(run: BenchRunFile, opts: RenderOptions): string {
  const c = opts.color;
  const s = run.summary;
  const out: string[] = [];
  const failures = renderFailures(run.failures, opts);
  if (failures.length > 0) out.push(...failures, '');
  if (run.warnings.length > 0) {
    for (const w of run.warnings) out.push(paint(c, 'yellow', `⚠ ${w}`));
    out.push('');
  }
  if (run.thresholds.length > 0) {
    out.push(paint(c, 'bold', 'Thresholds'));
    for (const t of run.thresholds) {
      const mark = t.ok ? paint(c, 'green', '✓') : paint(c, 'red', '✗');
      out.push(`  ${mark} ${t.threshold}  ${paint(c, 'dim', `observed ${t.observed === null ? 'no data' : fmt(t.observed, 3)}`)}`);
    }
    out.push('');
  }
  const title = `kvlab ${run.command}${run.label ? ` [${run.label}]` : ''}${run.interrupted ? paint(c, 'yellow', ' (interrupted)') : ''}`;
  out.push(paint(c, 'bold', title));
  out.push(
    ...table([
      ['requests', String(s.requests), 'failed', s.failed > 0 ? paint(c, 'red', String(s.failed)) : '0', 'duration', `${fmt(s.durationS, 2)} s`],
      ['req/s', fmt(s.requestsPerS, 2), 'output tok/s', fmt(s.outputTokensPerS, 1), 'cache hit', pct(s.cacheHitRatio)],
      ['input tokens', String(s.inputTokens), 'output tokens', String(s.outputTokens), 'cached tokens', String(s.cachedTokens)],
    ]),
  );
  if (run.goodput) {
    const g = run.goodput;
    const slos = Object.entries(g.slos).map(([k, v]) => `${k}≤${v}`).join(', ');
    out.push(`  goodput (${slos}): ${g.met}/${g.requests} = ${pct(g.share)}, ${fmt(g.ratePerS, 2)} req/s`);
  }
  if (run.warmup) {
    const failed = run.warmup.failed > 0 ? `, ${run.warmup.failed} failed` : '';
    out.push(paint(c, 'dim', `  warmup: ${run.warmup.requests} requests${failed} in ${fmt(run.warmup.durationS, 2)} s (not measured)`));
  }
  if (run.retries > 0) out.push(`  retries: ${run.retries}`);
  if (run.cancelledInFlight > 0) out.push(paint(c, 'yellow', `  ${run.cancelledInFlight} in-flight requests cancelled at interruption (not counted)`));
  out.push('');
  out.push(paint(c, 'bold', 'Latency'));
  const rows = [['', 'min', 'mean', 'p50', 'p90', 'p95', 'p99', 'max', 'n']];
  rows.push(distRow('TTFT', s.ttftMs));
  // A workload with a priority class: TTFT of each class.
  for (const [cls, d] of Object.entries(s.ttftMsByClass ?? {})) rows.push(distRow(`TTFT ${cls}`, d));
  if (s.ttfatMs.count > 0 && s.ttfatMs.mean !== s.ttftMs.mean) rows.push(distRow('TTFAT', s.ttfatMs));
  rows.push(distRow('E2E', s.e2eMs), distRow('TPOT', s.tpotMs), distRow('ITL', s.itlMs));
  if (s.servingOverheadMs?.count > 0) rows.push(distRow('overhead', s.servingOverheadMs));
  if (run.sendLateMs) rows.push(distRow('send late', run.sendLateMs));
  out.push(...table(rows));
  const check = run.servingCheck;
  if (check) {
    if (check.status === 'cpu-bound') out.push(paint(c, 'yellow', `  ⚠ ${check.message}`));
    else out.push(paint(c, 'dim', `  ${check.message}`));
  }
  if (run.perTurn.length > 1) {
    out.push('');
    out.push(paint(c, 'bold', 'TTFT by turn'));
    const tr = [['turn', 'n', 'failed', 'mean', 'p50', 'p95', 'cached']];
    for (const t of run.perTurn) {
      tr.push([String(t.turn), String(t.count), String(t.failed), dur(t.ttftMs.mean), dur(t.ttftMs.p50), dur(t.ttftMs.p95), t.inputTokens > 0 ? pct(t.cachedTokens / t.inputTokens) : '-']);
    }
    out.push(...table(tr));
  }
  if (run.firstVsLaterSpeedup !== null) {
    out.push('');
    out.push(`First-vs-later TTFT speedup: ${paint(c, 'cyan', `${fmt(run.firstVsLaterSpeedup, 2)}×`)} (mean TTFT of turn 1 / turns ≥ 2)`);
  }
  if (run.byDocType.length > 0) {
    out.push('');
    out.push(paint(c, 'bold', 'By document type'));
    const dr = [['type', 'n', 'failed', 'TTFT p50', 'TTFT mean', 'speedup', 'cache hit']];
    for (const g of run.byDocType) {
      dr.push([g.value, String(g.requests), String(g.failed), dur(g.ttftMs.p50), dur(g.ttftMs.mean), g.firstVsLaterSpeedup === null ? '-' : `${fmt(g.firstVsLaterSpeedup, 2)}×`, pct(g.cacheHitRatio)]);
    }
    out.push(...table(dr));
  }
  return out.join('\n') + '\n';
}
