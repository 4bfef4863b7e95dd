/** Renders figures as the terminal table of `npm run bench`: figure, value, baseline, ratio, target, met?. */
import type { Figure, Target } from './types.ts';

/** 3 significant digits, thousands separated; tiny and huge values stay readable. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a === 0) return '0';
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

function range(s: { median: number; min: number; max: number }, unit: string): string {
  return `${fmt(s.median)} ${unit} [${fmt(s.min)}–${fmt(s.max)}]`;
}

export function targetText(t: Target | null, unit: string): string {
  if (!t) return '—';
  return t.on === 'value' ? `${t.op} ${fmt(t.limit)} ${unit}` : `ratio ${t.op} ${fmt(t.limit)}`;
}

export function figureRow(f: Figure): string[] {
  return [
    f.name,
    range(f.value, f.unit),
    f.baseline ? `${f.baseline.name}: ${range(f.baseline.value, f.unit)}` : '—',
    f.ratio === null ? '—' : `${fmt(f.ratio)}×`,
    targetText(f.target, f.unit),
    f.met === null ? '—' : f.met ? '✓' : '✗',
  ];
}

export const HEADER = ['figure', 'median [min–max]', 'baseline (same run)', 'ratio', 'target', 'met?'];

/** A plain-text table (columns padded to their widest cell). */
export function renderTable(rows: string[][]): string {
  const all = [HEADER, ...rows];
  const widths = HEADER.map((_, c) => Math.max(...all.map((r) => [...(r[c] ?? '')].length)));
  const line = (r: string[]): string => r.map((cell, c) => cell + ' '.repeat(widths[c] - [...cell].length)).join('  ').trimEnd();
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same table in Markdown (bench/results/latest.md; the README's Performance section). */
export function renderMarkdown(rows: string[][]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [`| ${HEADER.join(' | ')} |`, `| ${HEADER.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}
