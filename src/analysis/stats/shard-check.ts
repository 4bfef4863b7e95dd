/**
 * Whether run folders are shards of one run (`kvlab bench --shard I/N`, run.json `config.shard`)
 * before `kvlab merge` joins them: shards of different workloads, parameters, seeds or shard counts,
 * the same shard twice, or shards mixed with unsharded runs are refused (a usage error naming the two
 * folders and what differs). A set that lacks some shards merges, with a note saying which are
 * missing. Runs that are no shards at all are not checked (merging unrelated runs is allowed). Pure.
 */
import { makeError } from '../../core/errors.ts';
import type { LoadedRun } from './run-data.ts';

interface ShardInfo {
  index: number;
  count: number;
  seed: number | null;
}

function shardOf(r: LoadedRun): ShardInfo | null {
  const s = (r.run?.config as { shard?: unknown } | undefined)?.shard as Partial<ShardInfo> | undefined;
  if (!s || typeof s.index !== 'number' || typeof s.count !== 'number') return null;
  return { index: s.index, count: s.count, seed: typeof s.seed === 'number' ? s.seed : null };
}

const refuse = (detail: string): Error => makeError('bad_flag', { flag: 'DIRS', detail });

/** What must agree between the shards of one run, by name. */
function identity(r: LoadedRun, s: ShardInfo): [string, string][] {
  const c = (r.run?.config ?? {}) as Record<string, unknown>;
  return [
    ['workload', JSON.stringify(c.workload ?? null)],
    ['workload parameters', JSON.stringify(c.params ?? null)],
    ['seed', JSON.stringify(s.seed)],
    ['shard count', String(s.count)],
  ];
}

/** Throws when `runs` mix shards of different runs; returns notes (missing shards) otherwise. */
export function checkShards(runs: readonly LoadedRun[]): string[] {
  const shards = runs.map(shardOf);
  const first = shards.findIndex((s) => s !== null);
  if (first < 0) return [];
  const unsharded = shards.findIndex((s) => s === null);
  if (unsharded >= 0) throw refuse(`${runs[unsharded].dir} is not a shard (run.json has no config.shard) but ${runs[first].dir} is: merge the shards of one run only`);
  const ref = identity(runs[first], shards[first]!);
  const byIndex = new Map<number, string>();
  for (let i = 0; i < runs.length; i++) {
    const s = shards[i]!;
    const id = identity(runs[i], s);
    for (let k = 0; k < ref.length; k++) {
      if (id[k][1] !== ref[k][1]) throw refuse(`${runs[i].dir} and ${runs[first].dir} are shards of different runs: their ${ref[k][0]} differ (${id[k][1]} vs ${ref[k][1]})`);
    }
    const twin = byIndex.get(s.index);
    if (twin !== undefined) throw refuse(`${runs[i].dir} and ${twin} are the same shard (${s.index}/${s.count})`);
    byIndex.set(s.index, runs[i].dir);
  }
  const count = shards[first]!.count;
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  return missing.length > 0 ? [`shard(s) ${missing.join(', ')} of ${count} are missing: the merged run holds ${byIndex.size} of ${count} shards of the workload`] : [];
}
