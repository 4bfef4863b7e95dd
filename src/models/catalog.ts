/**
 * The model and GPU catalogues (data/models.json, data/gpus.json) and lookups into them. The JSON
 * files are read once, on the first lookup, by `loadCatalog` (nothing is read at import time);
 * every model entry goes through `parseHfConfig`, the same parser a user's config.json takes.
 *
 * Lookup is forgiving: a model by its Hugging Face id or the bare name after the slash, a GPU by
 * its name or an alias, in any letter case (GPU names also ignore spaces, dashes and a leading
 * "NVIDIA"). An unknown name fails with one line that lists the known ones.
 */
import { readFileSync } from 'node:fs';
import { isObject } from './config-fields.ts';
import { parseGpuEntry, type GpuSpec } from './gpu-spec.ts';
import { parseHfConfig, type ModelSpec } from './model-spec.ts';
import { ModelsError } from './models-error.ts';

/** Parameter counts as the model's publisher states them (the check on the numbers read). */
export interface PublishedParams {
  readonly totalParams: number;
  readonly activeParams: number | null;
  /** The publisher's active count leaves out the input embedding (OpenAI's convention). */
  readonly activeExcludesInputEmbedding: boolean;
  readonly source: string;
}

export interface CatalogModel {
  readonly spec: ModelSpec;
  readonly published: PublishedParams;
  /** The public copies of config.json the numbers were read and cross-checked from. */
  readonly readFrom: readonly string[];
  readonly notes: readonly string[];
}

interface Catalog {
  readonly models: readonly CatalogModel[];
  readonly gpus: readonly GpuSpec[];
}

let cached: Catalog | null = null;

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(new URL(`./data/${file}`, import.meta.url), 'utf8'));
}

/** Read and check both catalogues (once; later calls return the same frozen data). */
export function loadCatalog(): Catalog {
  if (cached) return cached;
  const modelsJson = readJson('models.json');
  const gpusJson = readJson('gpus.json');
  if (!isObject(modelsJson) || !isObject(gpusJson)) {
    throw new ModelsError('invalid_field', 'models.json and gpus.json must each hold one object', null);
  }
  const models = Object.entries(modelsJson).map(([id, entry]) => modelEntry(id, entry));
  const gpus = Object.entries(gpusJson).map(([name, entry]) => parseGpuEntry(name, entry));
  cached = Object.freeze({ models: Object.freeze(models), gpus: Object.freeze(gpus) });
  return cached;
}

function modelEntry(id: string, entry: unknown): CatalogModel {
  if (!isObject(entry) || typeof entry.source !== 'string' || !isObject(entry.published)) {
    throw new ModelsError('invalid_field', `models.json ${id}: needs source, config and published`, id);
  }
  const p = entry.published;
  if (typeof p.totalParams !== 'number' || typeof p.source !== 'string') {
    throw new ModelsError('invalid_field', `models.json ${id}: published needs totalParams and source`, id);
  }
  const strings = (x: unknown): readonly string[] =>
    Object.freeze(Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
  return Object.freeze({
    spec: parseHfConfig(entry.config, id, entry.source),
    published: Object.freeze({
      totalParams: p.totalParams,
      activeParams: typeof p.activeParams === 'number' ? p.activeParams : null,
      activeExcludesInputEmbedding: p.activeExcludesInputEmbedding === true,
      source: p.source,
    }),
    readFrom: strings(entry.readFrom),
    notes: strings(entry.notes),
  });
}

export function listModels(): readonly CatalogModel[] {
  return loadCatalog().models;
}

export function listGpus(): readonly GpuSpec[] {
  return loadCatalog().gpus;
}

/** The catalogue entry (spec plus published counts and sources) for an id or bare name. */
export function findModelEntry(name: string): CatalogModel {
  const key = name.trim().toLowerCase();
  const models = listModels();
  const hit =
    models.find((m) => m.spec.id?.toLowerCase() === key) ??
    models.find((m) => m.spec.id?.split('/').pop()?.toLowerCase() === key);
  if (hit) return hit;
  throw new ModelsError(
    'unknown_model',
    `Unknown model "${name}"; known: ${models.map((m) => m.spec.id).join(', ')}`,
    'model',
  );
}

export function findModel(name: string): ModelSpec {
  return findModelEntry(name).spec;
}

function gpuKey(name: string): string {
  return name
    .toLowerCase()
    .replace(/^\s*nvidia\s*/, '')
    .replace(/[^a-z0-9]/g, '');
}

export function findGpu(name: string): GpuSpec {
  const key = gpuKey(name);
  const gpus = listGpus();
  const hit = gpus.find((g) => gpuKey(g.name) === key) ?? gpus.find((g) => g.aliases.some((a) => gpuKey(a) === key));
  if (hit) return hit;
  throw new ModelsError(
    'unknown_gpu',
    `Unknown GPU "${name}"; known: ${gpus.map((g) => `${g.name} (${g.aliases.join(', ')})`).join('; ')}`,
    'gpu',
  );
}
