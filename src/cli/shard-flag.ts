/**
 * The `--shard I/N` flag parser (commander argParser): one line naming what is wrong, e.g.
 * `--shard 3/2` (I must be below N). The rule itself lives in client/workloads/shard.ts.
 */
import { InvalidArgumentError } from 'commander';
import { parseShard, type Shard } from '../client/workloads/shard.ts';

export const shardArg = () => (raw: string): Shard => {
  const s = parseShard(raw);
  if (typeof s === 'string') throw new InvalidArgumentError(`${s}.`);
  return s;
};
