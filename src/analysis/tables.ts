/**
 * Terminal tables: a small table model (columns with units, rows of cells, optional per-cell tone)
 * rendered as aligned text. Units go in the header ("rate (req/s)"), except for durations: a
 * 'duration' column (values in ms) writes each cell with the unit its size calls for ("19.5 ms",
 * "640 µs": core/number-format), and a quantity cell carries its own unit (a column mixing ms and
 * req/s). Numbers are right-aligned and rounded by magnitude, missing values print as '-'. Colour
 * (bold header, green/red tones) only when the caller says so — pure code never looks at
 * process.stdout. A table wider than the page (`width`) wraps into blocks of columns, each led by
 * the row's name. The HTML report renders the same model (render/html.ts), so terminal and report agree.
 */
import { formatMs, formatNumber } from '../core/number-format.ts';

export { formatMs, formatNumber };

/** A number with its own unit ('ms' is written as a duration, in ms or µs). */
export interface Quantity {
  value: number;
  unit: string;
}

export type Cell = string | number | boolean | null | Quantity;
export type Tone = 'good' | 'bad' | 'dim';

export interface Column {
  key: string;
  title: string;
  /** Shown in the header in parentheses: 'ms', 'tok/s', '%'. */
  unit?: string;
  /**
   * 'percent': a fraction shown ×100; 'ratio': shown as 1.23×; 'duration': ms, each cell with its
   * unit; 'value': a setting, numbers shown as written (0.1, not 0.100).
   */
  kind?: 'percent' | 'ratio' | 'duration' | 'value';
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
  /**
   * The page width in characters (a terminal's columns). A wider table is wrapped: its columns are
   * split into blocks that fit, one under the other, each repeating the first (the row's name).
   * No wrapping when absent.
   */
  width?: number;
}

export function isQuantity(v: Cell | undefined): v is Quantity {
  return typeof v === 'object' && v !== null;
}

/** A number or a quantity (right-aligned in both renderings). */
export function isNumeric(v: Cell | undefined): boolean {
  return typeof v === 'number' || isQuantity(v);
}

export function formatQuantity(q: Quantity, digits?: number): string {
  return q.unit === 'ms' ? formatMs(q.value) : `${formatNumber(q.value, digits)} ${q.unit}`;
}

export function formatCell(v: Cell, col: Column): string {
  if (v === null) return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return v;
  if (isQuantity(v)) return formatQuantity(v, col.digits);
  if (col.kind === 'percent') return formatNumber(v * 100, col.digits ?? 1);
  if (col.kind === 'ratio') return `${formatNumber(v, col.digits ?? 2)}×`;
  if (col.kind === 'duration') return formatMs(v);
  if (col.kind === 'value') return String(v);
  return formatNumber(v, col.digits);
}

export function headerText(col: Column): string {
  return col.unit ? `${col.title} (${col.unit})` : col.title;
}

function isRightAligned(col: Column, rows: readonly Row[]): boolean {
  if (col.align) return col.align === 'right';
  return rows.some((r) => isNumeric(r[col.key]));
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

/** Column indices per block: the first column in every block, the others packed into `width`. */
export function columnBlocks(widths: readonly number[], width: number | undefined, gap = 2): number[][] {
  const all = widths.map((_, i) => i);
  const total = widths.reduce((a, w) => a + w, 0) + gap * Math.max(0, widths.length - 1);
  if (width === undefined || total <= width || widths.length <= 2) return [all];
  const blocks: number[][] = [];
  let block = [0];
  let used = widths[0];
  for (let i = 1; i < widths.length; i++) {
    if (block.length > 1 && used + gap + widths[i] > width) {
      blocks.push(block);
      block = [0];
      used = widths[0];
    }
    block.push(i);
    used += gap + widths[i];
  }
  blocks.push(block);
  return blocks;
}

export function formatTable(table: Table, opts: FormatOptions): string {
  const { columns, rows } = table;
  const cells = rows.map((r) => columns.map((c) => formatCell(r[c.key] ?? null, c)));
  const headers = columns.map(headerText);
  const widths = columns.map((_, i) => Math.max(width(headers[i]), ...cells.map((row) => width(row[i]))));
  const right = columns.map((c) => isRightAligned(c, rows));
  const lines: string[] = [paint(table.title, ANSI.bold, opts.color)];
  const blocks = columnBlocks(widths, opts.width);
  blocks.forEach((block, bi) => {
    if (bi > 0) lines.push('');
    lines.push(paint(block.map((i) => pad(headers[i], widths[i], right[i])).join('  ').trimEnd(), ANSI.bold, opts.color));
    lines.push(block.map((i) => '─'.repeat(widths[i])).join('  '));
    cells.forEach((row, ri) => {
      const tones = table.tones?.[ri] ?? {};
      const parts = block.map((i, k) => {
        const last = k === block.length - 1 && !right[i];
        const padded = last ? row[i] : pad(row[i], widths[i], right[i]);
        const tone = tones[columns[i].key];
        if (!tone) return padded;
        return paint(padded, tone === 'good' ? ANSI.green : tone === 'bad' ? ANSI.red : ANSI.dim, opts.color);
      });
      lines.push(parts.join('  ').trimEnd());
    });
  });
  if (rows.length === 0) lines.push('(no rows)');
  if (table.note) lines.push(paint(table.note, ANSI.dim, opts.color));
  return lines.join('\n');
}

export function formatTables(tables: readonly Table[], opts: FormatOptions): string {
  return tables.map((t) => formatTable(t, opts)).join('\n\n');
}
