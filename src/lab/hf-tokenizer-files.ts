/**
 * Finding and reading a Hugging Face tokenizer on disk: `PATH` is a model folder holding
 * `tokenizer.json` and `tokenizer_config.json`, or the tokenizer.json file itself with its config
 * beside it. Nothing is fetched: a missing or malformed file is a one-line `TokenizerFileError`
 * naming the file and what is wrong (the CLI turns it into a usage error). The tokenizer itself is
 * core/tokenizers/hf-tokenizer (no I/O); this is where its files are read.
 */
import { createHash, type Hash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HfModelTokenizer, TokenizerFileError, type HfTokenizerFiles } from '../core/tokenizers/hf-tokenizer.ts';

export { TokenizerFileError };

function readJson(path: string, what: string, hash: Hash): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TokenizerFileError(`${what} ${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? 'error'})`}`);
  }
  hash.update(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TokenizerFileError(`${what} ${path}: not valid JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TokenizerFileError(`${what} ${path}: not a JSON object`);
  return value as Record<string, unknown>;
}

/** Reads tokenizer.json and tokenizer_config.json for `path` (a folder or the tokenizer.json file). */
export function readHfTokenizerFiles(path: string): HfTokenizerFiles {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new TokenizerFileError(`tokenizer ${path}: no such file or folder`);
  }
  const tokenizerPath = isDir ? join(path, 'tokenizer.json') : path;
  const configPath = join(dirname(tokenizerPath), 'tokenizer_config.json');
  const hash = createHash('sha256');
  const tokenizerJson = readJson(tokenizerPath, 'tokenizer', hash);
  const model = tokenizerJson.model as { type?: unknown; vocab?: unknown } | undefined;
  if (model === undefined || typeof model !== 'object' || model === null || model.vocab === undefined) {
    throw new TokenizerFileError(`tokenizer ${tokenizerPath}: not a Hugging Face tokenizer.json (no model.vocab)`);
  }
  const tokenizerConfig = readJson(configPath, `tokenizer config (beside ${basename(tokenizerPath)})`, hash);
  if (typeof tokenizerConfig.chat_template !== 'string') {
    const hint = Array.isArray(tokenizerConfig.chat_template) ? 'a list of named templates is not supported' : 'no chat_template';
    throw new TokenizerFileError(`tokenizer config ${configPath}: ${hint}`);
  }
  return { tokenizerPath, tokenizerJson, tokenizerConfig, digest: `hf:${hash.digest('hex').slice(0, 16)}` };
}

/** Loads the Hugging Face tokenizer at `path` (a folder or its tokenizer.json); throws TokenizerFileError. */
export function loadHfTokenizer(path: string): HfModelTokenizer {
  return new HfModelTokenizer(readHfTokenizerFiles(path));
}
