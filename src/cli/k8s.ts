/**
 * `kvlab k8s bench <workload> --shards N [--image IMAGE] [--namespace NS] -- <bench flags>` and
 * `kvlab k8s experiment <file> --shards N ... -- <experiment flags>`: print the Kubernetes manifests of
 * a sharded run (src/k8s/manifests.ts) as one `v1 List` for `kubectl apply -f -`; no cluster is needed
 * to generate them. The flags after `--` are checked by the command's own parsers before anything is
 * printed; `--shard` and `--output` are the Job's to set. Files the bench flags name (--input-file,
 * --input-dataset, --presets-file) and the experiment file are copied into the ConfigMap.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { makeError } from '../core/errors.ts';
import type { InputFile } from '../k8s/manifests.ts';
import { registerBench } from './bench.ts';
import { registerExperiment } from './experiment.ts';
import { intArg, nonEmptyArg } from './flags.ts';

/** Flags whose value is a local file the pods need (copied into the ConfigMap). */
const FILE_FLAGS = ['--input-file', '--input-dataset', '--presets-file'];
/** Flags the Job sets itself, per pod. */
const MANAGED_FLAGS = ['--shard', '-o', '--output', '--output-dir', '--overwrite'];
/** Flags naming local things that cannot travel in a ConfigMap. */
const LOCAL_ONLY_FLAGS = ['-d', '--seed-documents', '--output-file', '--excel-output', '--list'];
/** A ConfigMap holds at most 1 MiB. */
const CONFIG_MAP_LIMIT = 1024 * 1024;

const flagName = (arg: string): string => arg.split('=')[0];

/** Parse `<words>` with the real command's flag parsers (its action replaced by a no-op). */
async function checkFlags(register: (p: Command) => void, words: string[], what: string): Promise<void> {
  let err = '';
  const quiet = (c: Command): Command => c.exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: () => {} });
  const program = quiet(new Command('kvlab'));
  register(program);
  const visit = (c: Command): void => {
    quiet(c);
    if (c.commands.length === 0) c.action(() => {});
    c.commands.forEach(visit);
  };
  program.commands.forEach(visit);
  try {
    await program.parseAsync(words, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) throw makeError('bad_flag', { flag: what, detail: err.trim().replace(/^error: /, '') || e.message });
    throw e;
  }
}

function readInput(flag: string, path: string): InputFile {
  try {
    return { flag, path, content: readFileSync(path, 'utf8') };
  } catch (err) {
    throw makeError('io_error', { action: 'read', path, detail: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
  }
}

function checkPassThrough(args: string[]): void {
  for (const a of args) {
    if (MANAGED_FLAGS.includes(flagName(a))) throw makeError('bad_flag', { flag: flagName(a), detail: 'is set by the Job for each pod: leave it out' });
    if (LOCAL_ONLY_FLAGS.includes(flagName(a))) throw makeError('bad_flag', { flag: flagName(a), detail: 'names something local the pods cannot see: bake it into the image, or leave it out' });
  }
}

interface K8sFlags {
  shards: number;
  image: string;
  namespace?: string;
  name?: string;
  resultsDir: string;
  claim?: string;
  storage: string;
  storageClass?: string;
}

function addShared(cmd: Command): Command {
  return cmd
    .requiredOption('--shards <n>', 'number of shards (pods)', intArg({ min: 1, max: 10000 }))
    .option('--image <image>', 'container image with kvlab (build it from the Dockerfile)', nonEmptyArg(), 'kvlab:latest')
    .option('--namespace <ns>', "namespace of every object (default: kubectl's current one)", nonEmptyArg())
    .option('--name <name>', 'name of the Job and prefix of the other objects (default kvlab-<workload or experiment>)', nonEmptyArg())
    .option('--results-dir <path>', 'where the results volume is mounted in the pods', nonEmptyArg(), '/results')
    .option('--claim <pvc>', 'an existing PersistentVolumeClaim for the results (default: one is created)', nonEmptyArg())
    .option('--storage <size>', 'size of the created claim', nonEmptyArg(), '1Gi')
    .option('--storage-class <class>', 'storage class of the created claim (needs ReadWriteMany)', nonEmptyArg());
}

async function printManifests(command: 'bench' | 'experiment', target: string, args: string[], inputs: InputFile[], defaultName: string, f: K8sFlags): Promise<void> {
  const name = f.name ?? defaultName;
  if (!/^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/.test(name)) {
    throw makeError('bad_flag', { flag: '--name', detail: `'${name}' must be lowercase letters, digits and '-', at most 52 characters, starting and ending with a letter or digit` });
  }
  if (!f.resultsDir.startsWith('/')) throw makeError('bad_flag', { flag: '--results-dir', detail: 'must be an absolute path' });
  const size = inputs.reduce((n, i) => n + Buffer.byteLength(i.content), 0);
  if (size > CONFIG_MAP_LIMIT) {
    throw makeError('bad_flag', { flag: inputs.map((i) => i.flag).join(', '), detail: `the input files (${size} bytes) exceed a ConfigMap's 1 MiB: put them in the image or on the results volume` });
  }
  const { asList, benchManifests, runDirOf } = await import('../k8s/manifests.ts');
  const o = { command, name, namespace: f.namespace, image: f.image, shards: f.shards, workload: target, args, inputs, resultsDir: f.resultsDir, existingClaim: f.claim, storage: f.storage, storageClass: f.storageClass };
  process.stdout.write(JSON.stringify(asList(benchManifests(o)), null, 2) + '\n');
  const ns = f.namespace ? ` -n ${f.namespace}` : '';
  process.stderr.write(
    [
      `kvlab k8s: ${f.shards} shard pod(s) of job/${name}, then job/${name}-merge; apply with: kvlab k8s ${command} ... | kubectl apply${ns} -f -`,
      `kvlab k8s: results on claim ${f.claim ?? `${name}-results`} under ${runDirOf(o)}/ (shard-I/, merged/${command === 'bench' ? ', report/' : ''}); follow with: kubectl logs${ns} -f job/${name}-merge`,
    ].join('\n') + '\n',
  );
}

export function registerK8s(program: Command): void {
  const k8s = program.command('k8s').description('Print Kubernetes manifests that run a sharded bench or experiment as an Indexed Job (kubectl apply -f -)');
  addShared(
    k8s
      .command('bench')
      .description('Manifests of `kvlab bench <workload>` in N shards: PVC, ConfigMap, Indexed Job (pod I runs --shard I/N), merge Job')
      .argument('<workload>', 'bench workload (multiturn, documents, conversations, prefix-ratio, trace, shared-prefix)')
      .argument('[benchFlags...]', 'the bench flags, after --, e.g. -- --url http://frontend:8000 --num-users 64'),
  ).action(async (workload: string, args: string[], f: K8sFlags) => {
    const known = ['multiturn', 'documents', 'conversations', 'prefix-ratio', 'trace', 'shared-prefix'];
    if (!known.includes(workload)) throw makeError('bad_flag', { flag: 'WORKLOAD', detail: `'${workload}' is not a bench workload (${known.join(', ')})` });
    checkPassThrough(args);
    await checkFlags(registerBench, ['bench', workload, ...args, '--shard', `0/${f.shards}`], 'bench flags');
    const inputs: InputFile[] = [];
    for (let i = 0; i < args.length; i++) {
      const [flag, inline] = args[i].split(/=(.*)/s);
      if (FILE_FLAGS.includes(flag)) inputs.push(readInput(flag, inline ?? args[i + 1]));
    }
    await printManifests('bench', workload, args, inputs, `kvlab-${workload}`, f);
  });
  addShared(
    k8s
      .command('experiment')
      .description('Manifests of `kvlab experiment <file>` with its cells in N shards: PVC, ConfigMap with the file, Indexed Job, merge Job')
      .argument('<file>', 'experiment file or shipped experiment name')
      .argument('[experimentFlags...]', "the experiment flags, after --, e.g. -- --set 'cluster.numWorkers=8'"),
  ).action(async (file: string, args: string[], f: K8sFlags) => {
    checkPassThrough(args);
    const { loadExperimentFile } = await import('../lab/experiment-source.ts');
    const loaded = loadExperimentFile(file);
    await checkFlags(registerExperiment, ['experiment', loaded.path, ...args], 'experiment flags');
    // In the pods the file is the ConfigMap's experiment.json (what it names must be in the image).
    const input = { ...readInput('FILE', loaded.path), path: 'experiment.json' };
    const slug = loaded.experiment.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'experiment';
    await printManifests('experiment', 'experiment.json', args, [input], `kvlab-${slug}`, f);
  });
}
