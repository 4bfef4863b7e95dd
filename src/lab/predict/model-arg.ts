/**
 * `--model` as users give it: a catalogue name (Hugging Face id, the bare name after the slash, any
 * case) or the path of a config.json (`--model-config`), read and parsed into a ModelSpec.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { makeError } from '../../core/errors.ts';
import { findModel, parseHfConfig, type ModelSpec } from '../../models/index.ts';

export function modelOf(arg: string): ModelSpec {
  if (!arg.toLowerCase().endsWith('.json') && !existsSync(arg)) return findModel(arg);
  let text: string;
  try {
    text = readFileSync(arg, 'utf8');
  } catch (err) {
    throw makeError('invalid_config', { path: arg, detail: `cannot read the model config: ${(err as Error).message}`, param: 'model' });
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    throw makeError('invalid_config', { path: arg, detail: `not JSON: ${(err as Error).message}`, param: 'model' });
  }
  return parseHfConfig(obj, basename(dirname(arg)) || basename(arg), arg);
}
