/**
 * `kvlab k8s bench <workload> --shards N [--image IMAGE] [--namespace NS] -- <bench flags>`: prints the
 * Kubernetes manifests of a sharded bench (src/k8s/manifests.ts) as one `v1 List` for `kubectl apply
 * -f -`; no cluster is needed to generate them. The bench flags after `--` are checked by the bench
 * command's own parsers before anything is printed; `--shard` and `--output` are the Job's to set.
 * Files the flags name (--input-file, --input-dataset, --presets-file) are copied into the ConfigMap.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { makeError } from '../core/errors.ts';
import { registerBench } from './bench.ts';
import { intArg, nonEmptyArg } from './flags.ts';

/** Flags whose value is a local file the pods need (copied into the ConfigMap). */
const FILE_FLAGS = ['--input-file', '--input-dataset', '--presets-file'];
/** Flags the Job sets itself, per pod. */
const MANAGED_FLAGS = ['--shard', '--output', '--output-dir', '--overwrite'];
/** Flags naming local things that cannot travel in a ConfigMap. */
const LOCAL_ONLY_FLAGS = ['-d', '--seed-documents', '--output-file', '--excel-output'];
/** A ConfigMap holds at most 1 MiB. */
const CONFIG_MAP_LIMIT = 1024 * 1024;

const flagName = (arg: string): string => arg.split('=')[0];

/** Parse `bench <workload> <args>` with the bench command's own flag parsers, running nothing. */
async function checkBenchFlags(workload: string, args: string[]): Promise<void> {
  let err = '';
  const program = new Command('kvlab').exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: () => {} });
  registerBench(program);
  const bench = program.commands.find((c) => c.name() === 'bench')!;
  bench.exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: () => {} });
  if (!bench.commands.some((c) => c.name() === workload)) {
    throw makeError('bad_flag', { flag: 'WORKLOAD', detail: `'${workload}' is not a bench workload (${bench.commands.map((c) => c.name()).join(', ')})` });
  }
  for (const c of bench.commands) c.exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: () => {} }).action(() => {});
  try {
    await program.parseAsync(['bench', workload, ...args], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) throw makeError('bad_flag', { flag: 'bench flags', detail: err.trim().replace(/^error: /, '') || e.message });
    throw e;
  }
}

interface K8sBenchFlags {
  shards: number;
  image: string;
  namespace?: string;
  name?: string;
  resultsDir: string;
  claim?: string;
  storage: string;
  storageClass?: string;
}

export function registerK8s(program: Command): void {
  const k8s = program.command('k8s').description('Print Kubernetes manifests that run a sharded bench as an Indexed Job (kubectl apply -f -)');
  k8s
    .command('bench')
    .description('Manifests of `kvlab bench <workload>` in N shards: PVC, ConfigMap, Indexed Job (pod I runs --shard I/N), merge Job')
    .argument('<workload>', 'bench workload (multiturn, documents, conversations, prefix-ratio, trace, shared-prefix)')
    .argument('[benchFlags...]', 'the bench flags, after --, e.g. -- --url http://frontend:8000 --num-users 64')
    .requiredOption('--shards <n>', 'number of shards (pods)', intArg({ min: 1, max: 10000 }))
    .option('--image <image>', 'container image with kvlab (build it from the Dockerfile)', nonEmptyArg(), 'kvlab:latest')
    .option('--namespace <ns>', 'namespace of every object (default: kubectl\'s current one)', nonEmptyArg())
    .option('--name <name>', 'name of the Job and prefix of the other objects (default kvlab-<workload>)', nonEmptyArg())
    .option('--results-dir <path>', 'where the results volume is mounted in the pods', nonEmptyArg(), '/results')
    .option('--claim <pvc>', 'an existing PersistentVolumeClaim for the results (default: one is created)', nonEmptyArg())
    .option('--storage <size>', 'size of the created claim', nonEmptyArg(), '1Gi')
    .option('--storage-class <class>', 'storage class of the created claim (needs ReadWriteMany)', nonEmptyArg())
    .action(async (workload: string, benchFlags: string[], f: K8sBenchFlags) => {
      const name = f.name ?? `kvlab-${workload}`;
      if (!/^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/.test(name)) {
        throw makeError('bad_flag', { flag: '--name', detail: `'${name}' must be lowercase letters, digits and '-', at most 52 characters, starting and ending with a letter or digit` });
      }
      if (!f.resultsDir.startsWith('/')) throw makeError('bad_flag', { flag: '--results-dir', detail: 'must be an absolute path' });
      for (const a of benchFlags) {
        if (MANAGED_FLAGS.includes(flagName(a))) throw makeError('bad_flag', { flag: flagName(a), detail: 'is set by the Job for each pod: leave it out' });
        if (LOCAL_ONLY_FLAGS.includes(flagName(a))) throw makeError('bad_flag', { flag: flagName(a), detail: 'names a local folder or output file the pods cannot see: bake it into the image, or leave it out' });
      }
      await checkBenchFlags(workload, [...benchFlags, '--shard', `0/${f.shards}`]);
      const inputs = [];
      for (let i = 0; i < benchFlags.length; i++) {
        const [flag, inline] = benchFlags[i].split(/=(.*)/s);
        if (!FILE_FLAGS.includes(flag)) continue;
        const path = inline ?? benchFlags[i + 1];
        let content: string;
        try {
          content = readFileSync(path, 'utf8');
        } catch (err) {
          throw makeError('io_error', { action: 'read', path, detail: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
        }
        inputs.push({ flag, path, content });
      }
      const size = inputs.reduce((n, f) => n + Buffer.byteLength(f.content), 0);
      if (size > CONFIG_MAP_LIMIT) {
        throw makeError('bad_flag', { flag: inputs.map((i) => i.flag).join(', '), detail: `the input files (${size} bytes) exceed a ConfigMap's 1 MiB: put them in the image or on the results volume` });
      }
      const { asList, benchManifests, runDirOf } = await import('../k8s/manifests.ts');
      const o = { name, namespace: f.namespace, image: f.image, shards: f.shards, workload, args: benchFlags, inputs, resultsDir: f.resultsDir, existingClaim: f.claim, storage: f.storage, storageClass: f.storageClass };
      process.stdout.write(JSON.stringify(asList(benchManifests(o)), null, 2) + '\n');
      const ns = f.namespace ? ` -n ${f.namespace}` : '';
      process.stderr.write(
        [
          `kvlab k8s: ${f.shards} shard pod(s) of job/${name}, then job/${name}-merge; apply with: kvlab k8s bench ... | kubectl apply${ns} -f -`,
          `kvlab k8s: results on claim ${f.claim ?? `${name}-results`} under ${runDirOf(o)}/ (shard-I/, merged/, report/); follow with: kubectl logs${ns} -f job/${name}-merge`,
        ].join('\n') + '\n',
      );
    });
}
