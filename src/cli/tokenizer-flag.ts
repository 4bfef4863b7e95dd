/**
 * `--tokenizer PATH` (mocker, router, cluster): a Hugging Face model folder or its tokenizer.json,
 * loaded once per process when the command runs (the library and the files are only read then, so
 * --help and other flag errors stay fast). A missing or malformed file is a one-line usage error
 * naming the flag.
 */
import type { Command } from 'commander';
import { makeError } from '../core/errors.ts';
import type { ModelTokenizer } from '../core/tokenizers/model-tokenizer.ts';

export const TOKENIZER_FLAG_HELP =
  "Hugging Face tokenizer: a model folder with tokenizer.json and tokenizer_config.json, or the tokenizer.json (prompts rendered with its chat template; default kvlab's o200k_base)";

export function addTokenizerFlag(cmd: Command): Command {
  return cmd.option('--tokenizer <path>', TOKENIZER_FLAG_HELP);
}

/** The tokenizer at `path`, or undefined (kvlab's own) when no path is given. */
export async function loadTokenizerFlag(path: string | undefined): Promise<ModelTokenizer | undefined> {
  if (path === undefined) return undefined;
  const { loadHfTokenizer, TokenizerFileError } = await import('../lab/hf-tokenizer-files.ts');
  try {
    return loadHfTokenizer(path);
  } catch (err) {
    if (err instanceof TokenizerFileError) throw makeError('bad_flag', { flag: '--tokenizer', detail: err.message });
    throw err;
  }
}
