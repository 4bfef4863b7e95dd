/**
 * `--excel-output`: the run as an .xlsx workbook (exceljs), like vLLM's multi-turn benchmark: a
 * Summary sheet (parameters, totals, one row of order statistics per metric) and a Raw data sheet
 * (one row per request, with its attempts: 1 plus its retries).
 *
 * exceljs (about 23 MB installed) is imported here when a workbook is written, never at module load,
 * so a bench run without -e does not load it (test/client/excel-lazy.test.ts).
 */
import type { Dist } from '../../core/records.ts';
import type { BenchRecord } from '../runner/types.ts';
import type { BenchRunFile } from '../report/run-file.ts';

const STATS: (keyof Dist)[] = ['count', 'mean', 'std', 'min', 'p25', 'p50', 'p75', 'p90', 'p95', 'p99', 'max'];

function cell(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

export async function writeExcel(path: string, run: BenchRunFile, records: readonly BenchRecord[]): Promise<void> {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  wb.creator = 'kvlab';
  const sum = wb.addWorksheet('Summary');
  sum.addRow(['parameter', 'value']).font = { bold: true };
  for (const [k, v] of Object.entries(run.config)) sum.addRow([k, cell(v)]);
  sum.addRow([]);
  const s = run.summary;
  sum.addRow(['runtime_sec', s.durationS]);
  sum.addRow(['requests', s.requests]);
  sum.addRow(['failed', s.failed]);
  sum.addRow(['requests_per_sec', s.requestsPerS]);
  sum.addRow(['output_tokens_per_sec', s.outputTokensPerS]);
  sum.addRow(['cache_hit_ratio', s.cacheHitRatio]);
  sum.addRow([]);
  sum.addRow(['metric', ...STATS]).font = { bold: true };
  const metrics: [string, Dist][] = [
    ['ttft_ms', s.ttftMs],
    ['ttfat_ms', s.ttfatMs],
    ['tpot_ms', s.tpotMs],
    ['e2e_ms', s.e2eMs],
    ['itl_ms', s.itlMs],
  ];
  for (const [name, d] of metrics) sum.addRow([name, ...STATS.map((k) => d[k])]);
  const raw = wb.addWorksheet('Raw data');
  const cols = ['conversationId', 'turn', 'sentAtMs', 'ttftMs', 'ttfatMs', 'e2eMs', 'tpotMs', 'inputTokens', 'outputTokens', 'cachedTokens', 'worker', 'ok', 'status', 'error', 'retries', 'attempts', 'lateMs'] as const;
  raw.addRow([...cols]).font = { bold: true };
  for (const r of records) raw.addRow(cols.map((c) => cell(r[c])));
  await wb.xlsx.writeFile(path);
}
