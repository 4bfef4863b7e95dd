/**
 * The Kubernetes manifests of a sharded bench or experiment: validated against the Kubernetes API schemas
 * (kubernetes-models), then the Indexed Job emulated locally — the shard pod's script run as N
 * processes with JOB_COMPLETION_INDEX set, its ConfigMap written where the pods would mount it, then
 * the merge Job's init and main scripts — and the merged run compared with one unsharded run.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { benchManifests, shardScript, type BenchManifestOptions, type K8sObject } from '../../src/k8s/manifests.ts';
import { startCluster, type RunningCluster } from '../../src/lab/cluster.ts';
import { runExperiment } from '../../src/lab/run-experiment.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const root = mkdtempSync(join(tmpdir(), 'kvlab-k8s-'));
let cluster: RunningCluster;
beforeAll(async () => {
  cluster = await startCluster({ numWorkers: 2, router: { mode: 'round-robin', port: 0 }, kvEvents: false, mocker: { speedupRatio: 20 } });
});
afterAll(async () => {
  await cluster?.close();
  rmSync(root, { recursive: true, force: true });
});

/** Validate one object against the API schema of its kind (throws on the first violation). */
function validate(o: K8sObject): void {
  if (o.kind === 'Job') new Job(o as any).validate();
  else if (o.kind === 'ConfigMap') new ConfigMap(o as any).validate();
  else if (o.kind === 'PersistentVolumeClaim') new PersistentVolumeClaim(o as any).validate();
  else throw new Error(`unexpected kind ${(o as { kind: string }).kind}`);
}

/** A small Mooncake-style trace: 7 rows over 0.6 s, some sharing prefix blocks. */
const TRACE = Array.from({ length: 7 }, (_, i) => JSON.stringify({ timestamp: i * 100, input_length: 96, output_length: 4, hash_ids: [i % 2, 10 + i] })).join('\n') + '\n';

/** Run a pod script as the pod would: `sh -c`, kvlab on the PATH, its environment. */
function sh(script: string, env: Record<string, string> = {}): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', script], { env: { ...process.env, PATH: `${join(root, 'bin')}:${process.env.PATH}`, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, err }));
  });
}

const records = (dir: string): any[] =>
  readFileSync(join(dir, 'requests.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const identities = (rs: any[]): string[] => rs.map((r) => `${r.conversationId}#${r.turn}:${r.inputTokens}/${r.outputTokens}:${r.ok}`).sort();

describe('kvlab k8s bench manifests', () => {
  const tracePath = join(root, 'trace.jsonl');
  const options = (): BenchManifestOptions => ({
    name: 'kvlab-trace',
    namespace: 'bench',
    image: 'kvlab:test',
    shards: 3,
    workload: 'trace',
    args: ['--url', cluster.url, '--input-dataset', tracePath, '--seed', '4'],
    inputs: [{ flag: '--input-dataset', path: tracePath, content: TRACE }],
    resultsDir: join(root, 'results'),
    configDir: join(root, 'config'),
    storage: '1Gi',
  });

  it('are a PVC, a ConfigMap with the input file, an Indexed Job of N pods and a merge Job, all valid API objects', () => {
    writeFileSync(tracePath, TRACE);
    const objects = benchManifests(options());
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'PersistentVolumeClaim/kvlab-trace-results',
      'ConfigMap/kvlab-trace-input',
      'Job/kvlab-trace',
      'Job/kvlab-trace-merge',
    ]);
    for (const o of objects) expect(() => validate(o)).not.toThrow();
    const job = objects[2] as any;
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3 });
    expect((objects[1] as any).data['trace.jsonl']).toBe(TRACE);
    // The schemas can fail: a count that is no integer is refused.
    expect(() => validate({ ...job, spec: { ...job.spec, completions: 'three' } })).toThrow(/completions must be integer/);
    expect(benchManifests({ ...options(), existingClaim: 'shared' }).map((o) => o.kind)).toEqual(['ConfigMap', 'Job', 'Job']);
  });

  it('emulated locally (N shard processes, then the merge Job), give the requests of one unsharded run', async () => {
    writeFileSync(tracePath, TRACE);
    mkdirSync(join(root, 'bin'), { recursive: true });
    symlinkSync(join(ROOT, 'bin', 'kvlab.js'), join(root, 'bin', 'kvlab'));
    const o = options();
    const [, configMap, job, mergeJob] = benchManifests(o) as any[];
    // What the kubelet does: the ConfigMap's keys as files at the mount path.
    mkdirSync(o.configDir!, { recursive: true });
    for (const [key, value] of Object.entries(configMap.data as Record<string, string>)) writeFileSync(join(o.configDir!, key), value);
    const pod = job.spec.template.spec.containers[0].command;
    expect(pod.slice(0, 2)).toEqual(['sh', '-c']);
    const shards = await Promise.all([0, 1, 2].map((i) => sh(pod[2], { JOB_COMPLETION_INDEX: String(i) })));
    for (const s of shards) expect(s, s.err).toMatchObject({ code: 0 });
    const spec = mergeJob.spec.template.spec;
    expect(await sh(spec.initContainers[0].command[2])).toMatchObject({ code: 0 });
    const merged = await sh(spec.containers[0].command[2]);
    expect(merged, merged.err).toMatchObject({ code: 0 });

    const unsharded = await sh(`kvlab bench trace --url ${cluster.url} --input-dataset ${tracePath} --seed 4 --output ${join(root, 'unsharded')}`);
    expect(unsharded, unsharded.err).toMatchObject({ code: 0 });
    const runDir = join(o.resultsDir, o.name);
    const mergedRecords = records(join(runDir, 'merged'));
    expect(mergedRecords).toHaveLength(7);
    expect(identities(mergedRecords)).toEqual(identities(records(join(root, 'unsharded'))));
    expect(JSON.parse(readFileSync(join(runDir, 'merged', 'run.json'), 'utf8')).summary.requests).toBe(7);
    expect(readFileSync(join(runDir, 'report', 'report.html'), 'utf8')).toContain('<html');
  }, 180_000);

  it('of an experiment: valid objects; emulated, the merged shards are the unsharded experiment cell for cell', async () => {
    const experiment = {
      name: 'tiny',
      cluster: { numWorkers: 2 },
      workload: { kind: 'prefix-ratio', isl: 300, osl: 4, requests: 8, numPrefixPrompts: 2, concurrency: 2 },
      matrix: { 'router.mode': ['kv', 'round-robin'], 'workload.prefixRatio': [0.3, 0.7] },
      seed: 1,
    };
    const o: BenchManifestOptions = {
      ...options(),
      command: 'experiment',
      name: 'kvlab-tiny',
      workload: 'experiment.json',
      args: ['--jobs', '1', '--no-png'],
      inputs: [{ flag: 'FILE', path: 'experiment.json', content: JSON.stringify(experiment) }],
      configDir: join(root, 'config-exp'),
      shards: 2,
    };
    const [, configMap, job, mergeJob] = benchManifests(o) as any[];
    for (const obj of [configMap, job, mergeJob]) expect(() => validate(obj)).not.toThrow();
    mkdirSync(o.configDir!, { recursive: true });
    for (const [key, value] of Object.entries(configMap.data as Record<string, string>)) writeFileSync(join(o.configDir!, key), value);
    const shards = await Promise.all([0, 1].map((i) => sh(job.spec.template.spec.containers[0].command[2], { JOB_COMPLETION_INDEX: String(i) })));
    for (const s of shards) expect(s, s.err).toMatchObject({ code: 0 });
    const spec = mergeJob.spec.template.spec;
    expect(await sh(spec.initContainers[0].command[2])).toMatchObject({ code: 0 });
    const merged = await sh(spec.containers[0].command[2]);
    expect(merged, merged.err).toMatchObject({ code: 0 });
    const whole = join(root, 'whole-exp');
    await runExperiment({ experiment, clock: 'virtual', outDir: whole, jobs: 1, report: false });
    const mergedDir = join(o.resultsDir, o.name, 'merged');
    const cellsOf = (dir: string): any[] => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).cells;
    expect(cellsOf(mergedDir)).toEqual(cellsOf(whole));
    for (const c of cellsOf(whole)) expect(readFileSync(join(mergedDir, c.runDir, 'requests.jsonl'), 'utf8')).toBe(readFileSync(join(whole, c.runDir, 'requests.jsonl'), 'utf8'));
  }, 180_000);

  it("an experiment's pod runs its cells one at a time unless --jobs is given", () => {
    const script = (args: string[]): string => shardScript({ ...options(), command: 'experiment', workload: 'experiment.json', args, inputs: [] });
    expect(script(['--no-png'])).toMatch(/ --no-png --jobs 1 --shard /);
    expect(script(['--jobs', '2'])).not.toMatch(/--jobs 1/);
    expect(script(['--jobs=2'])).not.toMatch(/--jobs 1/);
  });

  it('a pod script refuses to run outside an Indexed Job (no JOB_COMPLETION_INDEX)', async () => {
    const job = benchManifests(options())[2] as any;
    const r = await sh(job.spec.template.spec.containers[0].command[2], { JOB_COMPLETION_INDEX: '' });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/JOB_COMPLETION_INDEX/);
  });
});
