/**
 * Experiment files (JSON): the schema, its validation with errors that name the bad field, dotted
 * parameter paths, and the expansion of `matrix` into cells (cartesian product × repeats).
 *
 * Matrix keys are dotted paths into the experiment. `cluster.` may be left out for cluster settings
 * (`router.mode` ≡ `cluster.router.mode`, `enablePrefixCaching` ≡ `cluster.enablePrefixCaching`); the
 * key is kept as written in each cell's `params` (docs/DESIGN.md results contract).
 *
 * `workload` is `{ kind, input?, ...parameters }`: `kind` names a workload of the client's registry,
 * the parameters are that workload's (unknown names are rejected here, values are checked when the
 * workload is built), and `input` is its input (documents folder, conversations file or inline spec,
 * trace file), relative to the experiment file. `report` chooses the sweep plot's axes and title.
 * Required: `name`, `cluster` (may be `{}`) and `workload.kind`; `description` is optional (the
 * summary and the report then describe the settings: experiment-description.ts).
 */
import { Type, type Static } from '@sinclair/typebox';
import { KvlabError } from '../core/errors.ts';
import { firstProblem } from '../core/schema.ts';
import { PLOT_IDS } from '../analysis/plots/plot-ids.ts';
import { getWorkload, isWorkloadName, WORKLOAD_NAMES } from '../client/workloads/index.ts';
import { ClusterSettingsSchema, RouterSettingsSchema } from './cluster-schema.ts';

export { ROUTER_MODES, type RouterMode } from '../router-sim/types.ts';
export { ClusterSettingsSchema, DeploymentSettingsSchema, RouterSettingsSchema } from './cluster-schema.ts';

const PositiveInt = Type.Integer({ minimum: 1 });

export const ExperimentSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9._-]+$' }),
    /** What the experiment shows (the report's lead); a summary of the settings when absent. */
    description: Type.Optional(Type.String()),
    source: Type.Optional(Type.String()),
    cluster: ClusterSettingsSchema,
    workload: Type.Object({ kind: Type.String({ minLength: 1 }) }, { additionalProperties: true }),
    matrix: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Array(Type.Unknown(), { minItems: 1 }))),
    repeats: Type.Optional(PositiveInt),
    seed: Type.Optional(Type.Integer()),
    /** Which plots the report holds (all when absent). */
    plots: Type.Optional(Type.Array(Type.Union(PLOT_IDS.map((id) => Type.Literal(id))), { minItems: 1 })),
    report: Type.Optional(
      Type.Object(
        {
          sweepX: Type.Optional(Type.String({ minLength: 1 })),
          sweepSeries: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
          title: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type RouterSettings = Static<typeof RouterSettingsSchema>;
export type ClusterSettings = Static<typeof ClusterSettingsSchema>;
/** `{ kind, input?, ...parameters }` (the schema allows any further field; checkWorkload names them). */
export interface WorkloadSection {
  kind: string;
  input?: unknown;
  [param: string]: unknown;
}
export type Experiment = Omit<Static<typeof ExperimentSchema>, 'workload'> & { workload: WorkloadSection };

/** A bad experiment file or override: a usage error (exit 2) whose message names the field. */
export class ExperimentFileError extends KvlabError {
  constructor(message: string, field: string | null = null) {
    super('bad_experiment_file', message, 2, 'cli_error', field);
    this.name = 'ExperimentFileError';
  }
}

/** Workload fields that are not parameters of the workload itself. */
export const WORKLOAD_OWN_FIELDS = ['kind', 'input', 'priorityShare'] as const;

interface FieldProblem {
  field: string;
  detail: string;
  /** The field does not exist in an experiment. */
  unknown: boolean;
  /** With `unknown`: the fields its parent has. */
  known?: string[];
}

/** `workload.kind` must name a registered workload and every other field one of its parameters. */
function workloadProblem(workload: Record<string, unknown>): FieldProblem | null {
  const kind = workload.kind;
  if (!isWorkloadName(kind)) return { field: 'workload.kind', detail: `must be one of ${WORKLOAD_NAMES.join(', ')}, got ${JSON.stringify(kind)}`, unknown: false };
  const def = getWorkload(kind);
  const known = [...Object.keys(def.defaults), ...(def.optionalParams ?? [])];
  for (const key of Object.keys(workload)) {
    if ((WORKLOAD_OWN_FIELDS as readonly string[]).includes(key) || known.includes(key)) continue;
    return { field: `workload.${key}`, detail: `not a parameter of the ${kind} workload (known: ${known.join(', ')}, input, priorityShare)`, unknown: true, known: [...WORKLOAD_OWN_FIELDS, ...known] };
  }
  const input = workload.input;
  if (input !== undefined && typeof input !== 'string' && (typeof input !== 'object' || input === null)) {
    return { field: 'workload.input', detail: `must be a path or an inline object, got ${JSON.stringify(input)}`, unknown: false };
  }
  return null;
}

/** The fields every experiment file has; everything else is optional (`cluster` may be `{}`). */
export const REQUIRED_FIELDS = ['name', 'cluster', 'workload.kind'] as const;

/** The first problem of an experiment under the schema (core/schema.ts wording), or null. */
function schemaProblem(raw: unknown): FieldProblem | null {
  const p = firstProblem(ExperimentSchema, raw);
  if (!p) return null;
  const field = p.path || '(top level)';
  return { field, detail: p.missing ? `missing (an experiment file needs ${REQUIRED_FIELDS.join(', ')})` : p.detail, unknown: p.unknown, known: p.known };
}

/** The first thing wrong with a parsed experiment (schema, workload parameters' names, matrix), or null. */
function experimentProblem(raw: unknown): FieldProblem | null {
  const bad = schemaProblem(raw);
  if (bad) return bad;
  const exp = raw as Experiment;
  const problem = workloadProblem(exp.workload);
  if (problem) return problem;
  for (const key of Object.keys(exp.matrix ?? {})) {
    const field = `matrix.${key}`;
    const path = resolveMatrixPath(key);
    if (path[0] !== 'cluster' && path[0] !== 'workload') return { field, detail: 'must name a cluster or workload setting', unknown: false };
    if (path[0] === 'workload' && path.length === 2 && path[1] === 'kind') return { field, detail: 'the workload kind cannot vary within an experiment', unknown: false };
    // Check each value by applying it to a copy and validating the result.
    for (const value of exp.matrix![key]) {
      const probe = structuredClone(exp);
      delete probe.matrix;
      setPath(probe as unknown as Record<string, unknown>, path, value);
      const wrong = schemaProblem(probe) ?? workloadProblem(probe.workload);
      if (wrong) return { field, detail: `value ${JSON.stringify(value)} is invalid (${wrong.field}: ${wrong.detail})`, unknown: false };
    }
  }
  return null;
}

/** Validate a parsed experiment file; throws ExperimentFileError naming the first bad field. */
export function parseExperiment(raw: unknown, origin = 'experiment'): Experiment {
  const p = experimentProblem(raw);
  if (p) throw new ExperimentFileError(`${origin}: field '${p.field}': ${p.detail}`, p.field);
  return raw as Experiment;
}

/** A matrix key as a full path: leading `cluster.` is implied unless the key names workload/cluster. */
export function resolveMatrixPath(key: string): string[] {
  const parts = key.split('.');
  if (parts.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
    throw new ExperimentFileError(`matrix key '${key}' is not a valid dotted path`, `matrix.${key}`);
  }
  if (parts[0] === 'cluster' || parts[0] === 'workload') return parts;
  return ['cluster', ...parts];
}

export function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (let i = 0; i < path.length - 1; i++) {
    const next = node[path[i]];
    if (next === undefined || next === null || typeof next !== 'object') node[path[i]] = {};
    node = node[path[i]] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/** `--set path=value`: the value is parsed as JSON when it can be, else kept as a string. */
export function parseSetFlag(flag: string): { key: string; value: unknown } {
  const eq = flag.indexOf('=');
  if (eq <= 0) throw new ExperimentFileError(`--set '${flag}': expected path=value`, '--set');
  const key = flag.slice(0, eq).trim();
  const text = flag.slice(eq + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    /* a bare string */
  }
  return { key, value };
}

/**
 * Apply `--set` overrides (before matrix expansion), checking after each one: an override that breaks
 * the experiment is named as the user typed it ("--set nosuch.key=3: the experiment has no field
 * 'cluster.nosuch'"), never blamed on the file.
 */
export function applyOverrides(exp: Experiment, sets: readonly string[], origin = 'experiment'): Experiment {
  const copy = structuredClone(parseExperiment(exp, origin)) as unknown as Record<string, unknown>;
  for (const s of sets) {
    const { key, value } = parseSetFlag(s);
    const parts = key.split('.');
    const top = ['name', 'description', 'repeats', 'seed', 'plots', 'report', 'matrix', 'source'];
    let path: string[];
    try {
      path = top.includes(parts[0]) ? parts : resolveMatrixPath(key);
    } catch {
      throw new ExperimentFileError(`--set ${s}: '${key}' is not a dotted path of the experiment`, key);
    }
    if (parts[0] === 'matrix') {
      // --set matrix.router.mode='["kv"]' replaces one axis.
      const axis = parts.slice(1).join('.');
      const matrix = (copy.matrix ?? {}) as Record<string, unknown>;
      matrix[axis] = value;
      copy.matrix = matrix;
    } else {
      setPath(copy, path, value);
    }
    const p = experimentProblem(copy);
    if (p) {
      const parent = p.field.includes('.') ? p.field.slice(0, p.field.lastIndexOf('.')) : 'the experiment';
      // A key without its implied `cluster.` is named as typed.
      const implied = path[0] === 'cluster' && parts[0] !== 'cluster' && p.field.startsWith('cluster.');
      const typed = implied ? p.field.slice('cluster.'.length) : p.field;
      const what = p.unknown
        ? `the experiment has no field '${typed}' (${implied ? `read as ${p.field}; ` : ''}${parent} has: ${p.known?.join(', ')})`
        : `field '${p.field}': ${p.detail}`;
      throw new ExperimentFileError(`--set ${s}: ${what}`, p.field);
    }
  }
  return copy as unknown as Experiment;
}

export interface Cell {
  /** 0-based position in the expansion. */
  index: number;
  /** Matrix parameters of this cell, keys as written in the file. */
  params: Record<string, unknown>;
  repeat: number;
  /** The experiment with this cell's values applied (matrix removed). */
  experiment: Experiment;
  /** Folder name of the cell's run, unique within the experiment. */
  runDir: string;
  seed: number;
}

function slug(value: unknown): string {
  return String(typeof value === 'object' ? JSON.stringify(value) : value)
    .replace(/[^A-Za-z0-9.-]+/g, '_')
    .slice(0, 40);
}

/** Cartesian product of the matrix axes (in file order), times `repeats`. */
export function expandMatrix(exp: Experiment): Cell[] {
  const axes = Object.entries(exp.matrix ?? {});
  let combos: Array<Record<string, unknown>> = [{}];
  for (const [key, values] of axes) {
    const next: Array<Record<string, unknown>> = [];
    for (const combo of combos) for (const v of values) next.push({ ...combo, [key]: v });
    combos = next;
  }
  const repeats = exp.repeats ?? 1;
  const baseSeed = exp.seed ?? 0;
  const cells: Cell[] = [];
  for (const params of combos) {
    for (let repeat = 0; repeat < repeats; repeat++) {
      const experiment = structuredClone(exp);
      delete experiment.matrix;
      for (const [key, value] of Object.entries(params)) {
        setPath(experiment as unknown as Record<string, unknown>, resolveMatrixPath(key), value);
      }
      const parts = Object.entries(params).map(([k, v]) => `${k.split('.').pop()}-${slug(v)}`);
      if (repeats > 1) parts.push(`r${repeat}`);
      const index = cells.length;
      cells.push({
        index,
        params,
        repeat,
        experiment,
        runDir: `${String(index).padStart(3, '0')}${parts.length ? '_' + parts.join('_') : ''}`,
        seed: baseSeed + repeat,
      });
    }
  }
  return cells;
}
