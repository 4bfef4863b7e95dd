/**
 * An experiment folder's report, written so readers never see half of it: writeReport renders the
 * plots and report.html into a scratch folder inside the experiment folder, then each file is moved
 * into place with a rename (atomic on one file system).
 */
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeReport } from '../analysis/report/write-report.ts';

export interface ReportChoices {
  sweepX?: string;
  sweepSeries?: string | null;
  title?: string;
  png?: boolean;
  plots?: readonly string[];
}

export async function writeReportAtomically(experimentDir: string, choices: ReportChoices = {}): Promise<string> {
  const scratch = join(experimentDir, `.report-${process.pid}.tmp`);
  rmSync(scratch, { recursive: true, force: true });
  try {
    await writeReport({ experimentDir, outDir: scratch, ...choices, png: choices.png !== false });
    for (const f of readdirSync(scratch)) renameSync(join(scratch, f), join(experimentDir, f));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return join(experimentDir, 'report.html');
}
