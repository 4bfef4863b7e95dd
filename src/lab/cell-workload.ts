/**
 * A cell's workload: its input loaded (documents folder, conversations file or inline spec, trace
 * file; the project's shipped data when `input` is left out), the registry's pure `build` called
 * with the cell's parameters (and `priorityShare`, client/workloads/priority-class.ts, over any
 * workload), and the workload's own times divided by the cluster's speedup ratio
 * (cluster-settings.ts explains why). Parameter errors come back as experiment-file errors naming
 * `workload.<parameter>`.
 *
 * A `WorkloadCache` keeps the inputs it has read and the last workload it built, so the cells of a
 * sweep that differ only in cluster settings (router modes) share one build.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KvlabError } from '../core/errors.ts';
import {
  DEFAULT_CALIBRATION_FILE,
  DEFAULT_DOCUMENTS_DIR,
  DEFAULT_TRACE_FILE,
  EXAMPLE_SPEC_FILE,
  getWorkload,
  loadConversationsInput,
  loadDocuments,
  loadSharedPrefixPresets,
  loadTrace,
  type WorkloadName,
} from '../client/workloads/index.ts';
import type { ConversationScript, Schedule, Workload } from '../client/workloads/types.ts';
import type { PromptWords } from '../core/tokenizers/prompt-words.ts';
import { markPriorityClass } from '../client/workloads/priority-class.ts';
import { ExperimentFileError, type Experiment } from './experiment-file.ts';

export interface WorkloadRequest {
  workload: Experiment['workload'];
  /** Folder relative inputs resolve against (the experiment file's). */
  baseDir: string;
  /** Used when the workload section sets no seed of its own. */
  seed: number;
  /** Divides think times and send times (1 = as written). */
  speedupRatio: number;
  /** What generated prompts are made of (the cell's `cluster.tokenizer`); default kvlab's o200k lorem. */
  words?: PromptWords;
}

/** The workload with every time of its own divided by `ratio`: think times, send times, request rates. */
export function compressWorkloadTime(w: Workload, ratio: number): Workload {
  if (ratio === 1) return w;
  const scripts: ConversationScript[] = w.scripts.map((s) => ({
    ...s,
    turns: s.turns.map((t) => ({ ...t, delayMs: t.delayMs / ratio, ...(t.atMs !== undefined ? { atMs: t.atMs / ratio } : {}) })),
  }));
  const schedule: Schedule =
    w.schedule.kind === 'clients' && w.schedule.requestRate !== undefined ? { ...w.schedule, requestRate: w.schedule.requestRate * ratio } : w.schedule;
  return { ...w, scripts, schedule, params: { ...w.params, timeCompression: ratio } };
}

function paramError(err: unknown): unknown {
  if (err instanceof KvlabError && err.code === 'invalid_config' && err.param) {
    const field = `workload.${err.param}`;
    return new ExperimentFileError(`field '${field}': ${err.message.replace(/^Invalid [^:]*: /, '')}`, field);
  }
  return err;
}

export class WorkloadCache {
  private readonly inputs = new Map<string, unknown>();
  private last: { key: string; workload: Workload } | null = null;

  /** Build (or reuse) the workload of a cell. */
  async get(req: WorkloadRequest): Promise<Workload> {
    const key = JSON.stringify([req.workload, req.baseDir, req.seed, req.speedupRatio, req.words?.id ?? null]);
    if (this.last?.key === key) return this.last.workload;
    this.last = null;
    const { kind, input, priorityShare, ...params } = req.workload;
    const name = kind as WorkloadName;
    const inputs = await this.loadInputs(name, input, req.baseDir);
    let built: Workload;
    try {
      built = getWorkload(name).build({ seed: req.seed, ...params }, inputs, req.words);
      if (priorityShare !== undefined) built = markPriorityClass(built, priorityShare as number, (params.seed as number | undefined) ?? req.seed);
    } catch (err) {
      throw paramError(err);
    }
    const workload = compressWorkloadTime(built, req.speedupRatio);
    this.last = { key, workload };
    return workload;
  }

  private async loadInputs(kind: WorkloadName, input: unknown, baseDir: string): Promise<unknown> {
    const key = JSON.stringify([kind, input, baseDir]);
    if (this.inputs.has(key)) return this.inputs.get(key);
    const path = typeof input === 'string' ? resolve(baseDir, input) : null;
    let loaded: unknown;
    switch (kind) {
      case 'documents':
        loaded = { documents: await loadDocuments(path ?? DEFAULT_DOCUMENTS_DIR) };
        break;
      case 'trace':
        loaded = { rows: await loadTrace(path ?? DEFAULT_TRACE_FILE) };
        break;
      case 'shared-prefix':
        loaded = { presets: loadSharedPrefixPresets(path ?? DEFAULT_CALIBRATION_FILE) };
        break;
      case 'conversations':
        loaded = input !== undefined && input !== null && typeof input === 'object' ? inlineConversations(input, baseDir) : await loadConversationsInput(path ?? EXAMPLE_SPEC_FILE);
        break;
      default:
        if (input !== undefined) throw new ExperimentFileError(`field 'workload.input': the ${kind} workload takes no input`, 'workload.input');
        loaded = undefined;
    }
    this.inputs.set(key, loaded);
    return loaded;
  }
}

/** An inline conversations input (spec or ShareGPT list); a spec's text_files resolve against baseDir. */
function inlineConversations(input: object, baseDir: string): { input: unknown; corpus: string[]; source: string } {
  const files = Array.isArray(input) ? [] : (input as { text_files?: unknown }).text_files;
  const corpus: string[] = [];
  if (Array.isArray(files)) {
    for (const f of files) {
      if (typeof f !== 'string') throw new ExperimentFileError(`field 'workload.input.text_files': must be a list of file names`, 'workload.input.text_files');
      const path = resolve(baseDir, f);
      try {
        corpus.push(readFileSync(path, 'utf8'));
      } catch (err) {
        throw new ExperimentFileError(`field 'workload.input.text_files': cannot read ${path} (${(err as Error).message})`, 'workload.input.text_files');
      }
    }
  }
  return { input, corpus, source: 'workload.input' };
}
