/**
 * Reads a folder of seed documents for the `documents` workload (the only I/O of that workload):
 * regular files directly in `dir` whose extension makes them CODE or TEXT, in name order. Hidden
 * files and README files (which describe the folder) are skipped, as are other extensions.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeError } from '../../core/errors.ts';
import { docTypeOf, type SeedDocument } from './document-types.ts';
import { readDirEntries, readTextFile } from './file-io.ts';

/** The project's shipped seed documents (data/documents). */
export const DEFAULT_DOCUMENTS_DIR = fileURLToPath(new URL('../../../data/documents/', import.meta.url));

export async function loadDocuments(dir: string = DEFAULT_DOCUMENTS_DIR): Promise<SeedDocument[]> {
  const names = (await readDirEntries(dir))
    .filter((e) => e.isFile() && !e.name.startsWith('.') && !/^readme(\.|$)/i.test(e.name))
    .map((e) => e.name)
    .filter((n) => docTypeOf(n) !== null)
    .sort();
  if (names.length === 0) {
    throw makeError('io_error', {
      action: 'use',
      path: dir,
      detail: 'no documents found (expected files ending in .py .go .rs .ts .tsx .js .sql .java .c .cpp .rb .md .txt .rst .html)',
    });
  }
  const docs: SeedDocument[] = [];
  for (const name of names) {
    docs.push({ name, content: await readTextFile(join(dir, name)), docType: docTypeOf(name)! });
  }
  return docs;
}
