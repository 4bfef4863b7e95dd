/**
 * Seed documents for the `documents` workload and their type, decided by file extension as in
 * llm-d's multi-turn benchmark: source code is CODE, prose and markup are TEXT, anything else is not
 * a document. Pure (the loader that reads a folder is documents-loader.ts).
 */

export type DocType = 'CODE' | 'TEXT';

export interface SeedDocument {
  /** File name (used for the type and as the `document` tag). */
  name: string;
  content: string;
  /** Decided from the name when absent. */
  docType?: DocType;
}

const CODE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.py', '.go', '.rs', '.ts', '.tsx', '.js', '.sql', '.java', '.c', '.cpp', '.rb',
]);
const TEXT_EXTENSIONS: ReadonlySet<string> = new Set(['.md', '.txt', '.rst', '.html']);

/** CODE or TEXT from the file name's extension (case-insensitive), or null for other files. */
export function docTypeOf(name: string): DocType | null {
  const base = name.replace(/^.*[\\/]/, '');
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return null;
  const ext = base.slice(dot).toLowerCase();
  if (CODE_EXTENSIONS.has(ext)) return 'CODE';
  if (TEXT_EXTENSIONS.has(ext)) return 'TEXT';
  return null;
}
