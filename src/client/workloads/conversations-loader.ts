/**
 * Reads the `conversations` workload's input file (the only I/O of that workload): the JSON itself
 * and, for a generate_conversations spec, its `text_files` (relative names resolve against the input
 * file's folder, as the spec is usually kept next to its corpus).
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeError } from '../../core/errors.ts';
import type { ConversationsInputs } from './conversations.ts';
import { readTextFile } from './file-io.ts';

/** The project's default corpus folder and its example spec (data/corpus). */
export const DEFAULT_CORPUS_DIR = fileURLToPath(new URL('../../../data/corpus/', import.meta.url));
export const EXAMPLE_SPEC_FILE = resolve(DEFAULT_CORPUS_DIR, 'generate-conversations.json');

export async function loadConversationsInput(file: string): Promise<ConversationsInputs> {
  const text = await readTextFile(file);
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (err) {
    throw makeError('invalid_config', { path: file, detail: `not valid JSON (${(err as Error).message})` });
  }
  const corpus: string[] = [];
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const files = (input as { text_files?: unknown }).text_files;
    if (Array.isArray(files)) {
      for (const f of files) {
        if (typeof f !== 'string') throw makeError('invalid_config', { path: `${file} text_files`, detail: 'must be a list of file names' });
        corpus.push(await readTextFile(resolve(dirname(file), f)));
      }
    }
  }
  return { input, corpus, source: file };
}
