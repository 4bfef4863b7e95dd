/**
 * The Kubernetes manifests of a sharded run (`kvlab k8s bench|experiment`): kvlab does not manage a
 * cluster of its own; Kubernetes runs the shards. What is generated, as plain API objects:
 * - a PersistentVolumeClaim (ReadWriteMany: the pods may run on different nodes) for the results,
 *   unless an existing claim is named;
 * - a ConfigMap with the run's inputs: the files its flags name (a conversations or trace file, a
 *   presets file; an experiment's file as experiment.json) and the command itself, for the record;
 * - an Indexed Job of N completions, N at a time: pod I runs `kvlab bench|experiment ... --shard I/N`
 *   with I from the JOB_COMPLETION_INDEX Kubernetes sets, writing its folder to <results>/<name>/shard-I;
 * - a merge Job whose init container waits until every shard is done (a bench shard's run.json; an
 *   experiment shard's `.done`, written once it finished), then `kvlab merge` of the shard folders
 *   into <results>/<name>/merged (and `kvlab report` of a merged bench run: an experiment's merge
 *   writes its report itself).
 * Pod commands are `sh -c` scripts with every user word single-quoted (shell-quote.ts), so they run
 * the same in a pod and in the local emulation (N processes with JOB_COMPLETION_INDEX set). The
 * objects are typed with the Kubernetes API types of kubernetes-models (type-only imports: nothing of
 * it is loaded at run time), so a misspelt field fails the type check; tests validate them against
 * its API schemas. Pure.
 */
import { basename } from 'node:path';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import { shJoin, shQuote } from './shell-quote.ts';

export type K8sObject = IPersistentVolumeClaim | IConfigMap | IJob;

/** An input file a flag names: its flag, local path and content (read by the caller). */
export interface InputFile {
  flag: string;
  path: string;
  content: string;
}

export interface BenchManifestOptions {
  /** What the pods run (default bench). */
  command?: 'bench' | 'experiment';
  /** Object names' prefix (a DNS label). */
  name: string;
  namespace?: string;
  image: string;
  shards: number;
  /** bench: the workload; experiment: the key of the experiment file in the ConfigMap's inputs. */
  workload: string;
  /** The command's flags, as given (file flags are rewritten to the ConfigMap's copies). */
  args: string[];
  inputs: InputFile[];
  /** Where the results volume is mounted in the pods (default /results). */
  resultsDir: string;
  /** Use this existing PersistentVolumeClaim instead of creating one. */
  existingClaim?: string;
  /** Size of the claim created (default 1Gi). */
  storage: string;
  /** Storage class of the claim created (default: the cluster's default class). */
  storageClass?: string;
  /** The kvlab executable in the image (default `kvlab`, on the PATH of the shipped Dockerfile). */
  kvlab?: string;
  /** Where the ConfigMap is mounted in the pods (default CONFIG_MOUNT). */
  configDir?: string;
}

export const CONFIG_MOUNT = '/kvlab-input';
/** The file an experiment shard's pod writes into its folder once the shard finished. */
export const EXPERIMENT_DONE = '.done';
const APP_LABEL = 'app.kubernetes.io/name';

function meta(o: BenchManifestOptions, name: string): IObjectMeta {
  return { name, ...(o.namespace ? { namespace: o.namespace } : {}), labels: { [APP_LABEL]: 'kvlab', 'kvlab/run': o.name } };
}

/** Config map keys of the input files (unique, valid key characters). */
function inputKeys(inputs: readonly InputFile[]): string[] {
  const used = new Set<string>();
  return inputs.map((f, i) => {
    let key = basename(f.path).replace(/[^-._A-Za-z0-9]/g, '_') || `input-${i}`;
    if (used.has(key)) key = `${i}-${key}`;
    used.add(key);
    return key;
  });
}

/** The bench flags with every input file's path replaced by its copy in the ConfigMap. */
function podArgs(o: BenchManifestOptions, keys: readonly string[]): string[] {
  const args = [...o.args];
  o.inputs.forEach((f, i) => {
    for (let k = 0; k < args.length; k++) {
      const copy = `${o.configDir ?? CONFIG_MOUNT}/${keys[i]}`;
      if (args[k] === f.flag && args[k + 1] === f.path) args[k + 1] = copy;
      else if (args[k] === `${f.flag}=${f.path}`) args[k] = `${f.flag}=${copy}`;
    }
  });
  return args;
}

export const runDirOf = (o: Pick<BenchManifestOptions, 'resultsDir' | 'name'>): string => `${o.resultsDir.replace(/\/+$/, '')}/${o.name}`;

/** The shell script of shard pods: its shard from JOB_COMPLETION_INDEX. */
export function shardScript(o: BenchManifestOptions): string {
  const keys = inputKeys(o.inputs);
  const kvlab = o.kvlab ?? 'kvlab';
  const dir = runDirOf(o);
  const out = `${shQuote(dir)}/shard-"$JOB_COMPLETION_INDEX"`;
  const head = ['set -e', ': "${JOB_COMPLETION_INDEX:?set by Kubernetes in an Indexed Job}"'];
  if (o.command === 'experiment') {
    const file = `${o.configDir ?? CONFIG_MOUNT}/${o.workload}`;
    // The shards are the parallelism: a pod runs its cells one at a time unless told otherwise (its
    // default, the free cores, would read the node's cores and load, not the pod's share).
    const args = podArgs(o, keys);
    const jobs = args.some((a) => a === '--jobs' || a.startsWith('--jobs=')) ? [] : ['--jobs', '1'];
    return [
      ...head,
      `${shQuote(kvlab)} experiment ${shJoin([file, ...args, ...jobs])} --shard "$JOB_COMPLETION_INDEX/${o.shards}" --output ${out} --overwrite`,
      // summary.json is rewritten after every cell: the marker says the shard finished.
      `touch ${out}/${EXPERIMENT_DONE}`,
    ].join('\n');
  }
  return [...head, `exec ${shQuote(kvlab)} bench ${shJoin([o.workload, ...podArgs(o, keys)])} --shard "$JOB_COMPLETION_INDEX/${o.shards}" --output ${out} --overwrite`].join('\n');
}

/** The merge Job's init script: wait until every shard wrote its run.json. */
export function waitScript(o: BenchManifestOptions): string {
  const dir = runDirOf(o);
  return [
    `n=0; until [ "$n" -ge ${o.shards} ]; do`,
    `  n=0; for i in $(seq 0 ${o.shards - 1}); do [ -f ${shQuote(dir)}/shard-$i/${o.command === 'experiment' ? EXPERIMENT_DONE : 'run.json'} ] && n=$((n+1)); done`,
    `  [ "$n" -ge ${o.shards} ] || { echo "kvlab: $n of ${o.shards} shards done"; sleep 10; }`,
    'done',
  ].join('\n');
}

/** The merge Job's script: merge the shard folders, then write the report. */
export function mergeScript(o: BenchManifestOptions): string {
  const kvlab = shQuote(o.kvlab ?? 'kvlab');
  const dir = runDirOf(o);
  const shards = Array.from({ length: o.shards }, (_, i) => `${shQuote(dir)}/shard-${i}`).join(' ');
  const lines = ['set -e', `rm -rf ${shQuote(dir)}/merged ${shQuote(dir)}/report`, `${kvlab} merge ${shards} -o ${shQuote(dir)}/merged`];
  if (o.command !== 'experiment') lines.push(`${kvlab} report ${shQuote(dir)}/merged -o ${shQuote(dir)}/report --no-png`);
  return lines.join('\n');
}

export function benchManifests(o: BenchManifestOptions): K8sObject[] {
  const keys = inputKeys(o.inputs);
  const claim = o.existingClaim ?? `${o.name}-results`;
  const configName = `${o.name}-input`;
  const volumes: IVolume[] = [
    { name: 'results', persistentVolumeClaim: { claimName: claim } },
    { name: 'input', configMap: { name: configName } },
  ];
  const mounts: IVolumeMount[] = [
    { name: 'results', mountPath: o.resultsDir },
    { name: 'input', mountPath: o.configDir ?? CONFIG_MOUNT, readOnly: true },
  ];
  const container = (name: string, script: string): IContainer => ({ name, image: o.image, command: ['sh', '-c', script], volumeMounts: mounts });
  const objects: K8sObject[] = [];
  if (!o.existingClaim) {
    const pvc: IPersistentVolumeClaim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta(o, claim),
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: o.storage } }, ...(o.storageClass ? { storageClassName: o.storageClass } : {}) },
    };
    objects.push(pvc);
  }
  const data: Record<string, string> = { 'command.txt': `kvlab ${o.command ?? 'bench'} ${shJoin([o.workload, ...o.args])} (in ${o.shards} shards)\n` };
  o.inputs.forEach((f, i) => (data[keys[i]] = f.content));
  const configMap: IConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(o, configName), data };
  const shardJob: IJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(o, o.name),
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism: o.shards,
      backoffLimit: o.shards,
      template: {
        metadata: { labels: { [APP_LABEL]: 'kvlab', 'kvlab/run': o.name } },
        spec: { restartPolicy: 'Never', containers: [container('shard', shardScript(o))], volumes },
      },
    },
  };
  const mergeJob: IJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(o, `${o.name}-merge`),
    spec: {
      backoffLimit: 2,
      template: {
        metadata: { labels: { [APP_LABEL]: 'kvlab', 'kvlab/run': o.name } },
        spec: { restartPolicy: 'Never', initContainers: [container('wait-for-shards', waitScript(o))], containers: [container('merge', mergeScript(o))], volumes },
      },
    },
  };
  objects.push(configMap, shardJob, mergeJob);
  return objects;
}

/** Every object in one `v1 List` (what `kubectl apply -f` takes; JSON is also YAML). */
export function asList(objects: readonly K8sObject[]): { apiVersion: 'v1'; kind: 'List'; items: K8sObject[] } {
  return { apiVersion: 'v1', kind: 'List', items: [...objects] };
}
