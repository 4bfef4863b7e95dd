/**
 * Terminal tables: a small table model (columns with units, rows of cells, optional per-cell tone)
 * rendered as aligned text. Units go in the header ("TTFT p50 (ms)"), numbers are right-aligned and
 * rounded by magnitude, missing values print as '-'. Colour (bold header, green/red tones) only when
 * the caller says so — pure code never looks at process.stdout. The HTML report renders the same
 * model (render/html.ts), so terminal and report agree.
 */

export type Cell = string | number | boolean | null;
export type Tone = 'good' | 'bad' | 'dim';

export interface Column {
  key: string;
  title: string;
  /** Shown in the header in parentheses: 'ms', 'tok/s', '%'. */
  unit?: string;
  /** 'percent': a fraction shown ×100; 'ratio': shown as 1.23×. */
  kind?: 'percent' | 'ratio';
  /** Fixed decimals; by default numbers are rounded by magnitude. */
  digits?: number;
  align?: 'left' | 'right';
}

export type Row = Record<string, Cell>;

export interface Table {
  title: string;
  columns: Column[];
  rows: Row[];
  /** Same length as rows when present: a tone per cell key. */
  tones?: Array<Partial<Record<string, Tone>>>;
  note?: string;
}

export interface FormatOptions {
  color: boolean;
}

export function formatNumber(v: number, digits?: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (digits !== undefined) return v.toFixed(digits);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return v.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
}

export function formatCell(v: Cell, col: Column): string {
  if (v === null) return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return v;
  if (col.kind === 'percent') return formatNumber(v * 100, col.digits ?? 1);
  if (col.kind === 'ratio') return `${formatNumber(v, col.digits ?? 2)}×`;
  return formatNumber(v, col.digits);
}

export function headerText(col: Column): string {
  return col.unit ? `${col.title} (${col.unit})` : col.title;
}

function isRightAligned(col: Column, rows: readonly Row[]): boolean {
  if (col.align) return col.align === 'right';
  return rows.some((r) => typeof r[col.key] === 'number');
}

const ANSI = { bold: '\x1b[1m', green: '\x1b[32m', red: '\x1b[31m', dim: '\x1b[2m', reset: '\x1b[0m' };

function paint(text: string, code: string, color: boolean): string {
  return color ? `${code}${text}${ANSI.reset}` : text;
}

const width = (s: string): number => [...s].length;

function pad(s: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return right ? fill + s : s + fill;
}

export function formatTable(table: Table, opts: FormatOptions): string {
  const { columns, rows } = table;
  const cells = rows.map((r) => columns.map((c) => formatCell(r[c.key] ?? null, c)));
  const headers = columns.map(headerText);
  const widths = columns.map((_, i) => Math.max(width(headers[i]), ...cells.map((row) => width(row[i]))));
  const right = columns.map((c) => isRightAligned(c, rows));
  const lines: string[] = [paint(table.title, ANSI.bold, opts.color)];
  lines.push(paint(headers.map((h, i) => pad(h, widths[i], right[i])).join('  '), ANSI.bold, opts.color));
  lines.push(widths.map((w) => '─'.repeat(w)).join('  '));
  cells.forEach((row, ri) => {
    const tones = table.tones?.[ri] ?? {};
    const parts = row.map((text, i) => {
      const padded = pad(text, widths[i], right[i]);
      const tone = tones[columns[i].key];
      if (!tone) return padded;
      return paint(padded, tone === 'good' ? ANSI.green : tone === 'bad' ? ANSI.red : ANSI.dim, opts.color);
    });
    lines.push(parts.join('  ').trimEnd());
  });
  if (rows.length === 0) lines.push('(no rows)');
  if (table.note) lines.push(paint(table.note, ANSI.dim, opts.color));
  return lines.join('\n');
}

export function formatTables(tables: readonly Table[], opts: FormatOptions): string {
  return tables.map((t) => formatTable(t, opts)).join('\n\n');
}
