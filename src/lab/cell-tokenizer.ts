/**
 * An experiment's `cluster.tokenizer` (a Hugging Face model folder or tokenizer.json, relative to the
 * experiment file): loaded once per path and process (loading takes seconds), for the embedded
 * cluster's workers and router (cluster-thread-main) and for the words the cell's workload prompts
 * are drawn from (run-experiment). A file that cannot be used is an ExperimentFileError naming the field.
 */
import type { ModelTokenizer } from '../core/tokenizers/model-tokenizer.ts';
import { ExperimentFileError } from './experiment-file.ts';
import { loadHfTokenizer, TokenizerFileError } from './hf-tokenizer-files.ts';

const loaded = new Map<string, ModelTokenizer>();

/** The tokenizer at the resolved `path`. */
export function cellTokenizer(path: string): ModelTokenizer {
  let t = loaded.get(path);
  if (t !== undefined) return t;
  try {
    t = loadHfTokenizer(path);
  } catch (err) {
    if (err instanceof TokenizerFileError) throw new ExperimentFileError(`field 'cluster.tokenizer': ${err.message}`, 'cluster.tokenizer');
    throw err;
  }
  loaded.set(path, t);
  return t;
}
