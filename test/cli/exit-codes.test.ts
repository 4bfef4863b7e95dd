/**
 * Exit codes of every command, in-process (the binary's own mapping, cli/exit.ts exitCodeOf): usage
 * errors — an out-of-range option of any schema, a bad URL, threshold or header, a missing input, an
 * unknown --set key — exit 2 with one line naming the flag (or the --set); runtime errors exit 1.
 */
import { createServer, type Server } from 'node:net';
import { CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLine, KvlabError } from '../../src/core/errors.ts';
import { exitCodeOf } from '../../src/cli/exit.ts';
import { registerBench } from '../../src/cli/bench.ts';
import { registerCluster } from '../../src/cli/cluster.ts';
import { registerExperiment } from '../../src/cli/experiment.ts';
import { registerMocker } from '../../src/cli/mocker.ts';
import { registerPredict } from '../../src/cli/predict.ts';
import { registerReport } from '../../src/cli/report.ts';
import { registerRouter } from '../../src/cli/router.ts';
import { runCli } from '../helpers/in-process-cli.ts';

const ALL = [registerMocker, registerRouter, registerCluster, registerBench, registerExperiment, registerReport, registerPredict];
const CLOSED = 'http://127.0.0.1:9';

/** The exit code and the one line the binary would print (commander prints its own line). */
async function outcome(args: string[]): Promise<{ code: number; line: string }> {
  const r = await runCli(ALL, args);
  const line = r.error instanceof CommanderError ? r.err.trim() : errorLine(r.error);
  return { code: exitCodeOf(r.error), line };
}

describe('usage errors exit 2 with one line naming the flag', () => {
  it.each([
    [['mocker', '--watermark', '1'], /Invalid option --watermark: must be a number ≥ 0 and < 1, got 1/],
    [['mocker', '--block-size', '0'], /--block-size: must be an integer ≥ 1, got 0/],
    [['mocker', '--failure-rate', '1.5'], /--failure-rate: must be a number ≥ 0 and ≤ 1/],
    [['mocker', '--port', '70000'], /--port: must be an integer ≥ 0 and ≤ 65535/],
    [['mocker', '--no-prefix-caching', '--speedup-ratio', '0'], /--speedup-ratio: must be a number > 0/],
    [['cluster', '--watermark', '1'], /--watermark: must be a number ≥ 0 and < 1/],
    [['cluster', '--num-workers', '0'], /--num-workers: must be an integer ≥ 1/],
    [['cluster', '--router-mode', 'fastest'], /--router-mode: must be one of "kv", .*got "fastest"/],
    [['cluster', '--router-ttl', '0'], /--router-ttl: must be a number > 0/],
    [['cluster', '--worker-link', 'ipc'], /--worker-link <link>' argument 'ipc' is invalid\. expected one of in-process, http/],
    [['predict', '--model', 'Qwen/Qwen3-8B', '--gpu', 'H100', '--tp', '0'], /--tp: must be an integer ≥ 1, got 0/],
    [['predict', '--model', 'Qwen/Qwen3-8B', '--gpu', 'H100', '--gpu-memory-utilization', '1.5'], /--gpu-memory-utilization: must be a number > 0 and ≤ 1/],
    [['mocker', '--model', 'Qwen/Qwen3-8B', '--gpu', 'H100', '--weight-dtype', 'int4'], /--weight-dtype: must be one of "bf16", "fp16", "fp8"/],
    [['router', '--worker', 'notaurl'], /--worker: must be an http\(s\) URL, got "notaurl"/],
    [['router', '--worker', CLOSED, '--router-mode', 'round-robin', '--kv-overlap-score-weight', '-1'], /--kv-overlap-score-weight: must be a number ≥ 0/],
    [['router', '--worker', CLOSED, '--router-mode', 'kv'], /--kv-events: router mode kv needs/],
    [['bench', 'multiturn', '--url', CLOSED, '--num-users', '0'], /--num-users: must be an integer ≥ 1, got 0/],
    [['bench', 'documents', '--url', CLOSED, '--parallel', '0'], /--parallel: must be an integer ≥ 1/],
    [['bench', 'prefix-ratio', '--url', CLOSED, '--prefix-ratios', '1.5'], /--prefix-ratios: must be a number ≥ 0 and ≤ 1, got 1\.5/],
    [['bench', 'trace', '--url', CLOSED, '--speedup-ratio', '0'], /--speedup-ratio: must be a number > 0/],
    [['bench', 'shared-prefix', '--url', CLOSED, '--num-groups', '0'], /--num-groups: must be an integer ≥ 1/],
    [['bench', 'multiturn', '--url', 'not a url'], /--url: invalid URL/],
    [['bench', 'multiturn', '--url', CLOSED, '--threshold', 'garbage'], /--threshold: threshold 'garbage' does not parse/],
    [['bench', 'multiturn', '--url', CLOSED, '--goodput', 'latency:5'], /--goodput: unknown goodput metric/],
    [['bench', 'multiturn', '--url', CLOSED, '--header', 'nocolon'], /--header: .*Name: value/],
    [['bench', 'trace', '--url', CLOSED, '--input-dataset', '/definitely/not/here.jsonl'], /io_error.*not\/here\.jsonl/],
    [['bench', 'conversations', '--url', CLOSED, '-i', '/definitely/not/here.json'], /io_error.*not\/here\.json/],
    [['report', '/definitely/not/here'], /not a run folder/],
    [['experiment', 'prefix-ratio-sweep', '--set', 'cluster.watermark=1'], /^error \[bad_experiment_file\]: --set cluster\.watermark=1: field 'cluster\.watermark': must be a number ≥ 0 and < 1, got 1$/],
    [['experiment', 'prefix-ratio-sweep', '--set', 'router.routerTtlS=0'], /--set router\.routerTtlS=0: field 'cluster\.router\.routerTtlS': must be a number > 0/],
    [['experiment', 'prefix-ratio-sweep', '--set', 'cluster.workerLink=ipc'], /--set cluster\.workerLink=ipc: field 'cluster\.workerLink': must be one of "in-process", "http"/],
    [['experiment', 'prefix-ratio-sweep', '--set', 'nosuch.key=3'], /--set nosuch\.key=3: the experiment has no field 'nosuch' \(read as cluster\.nosuch; cluster has: numWorkers, /],
    [['experiment', 'prefix-ratio-sweep', '--set', 'workload.isll=3'], /--set workload\.isll=3: the experiment has no field 'workload\.isll'/],
    [['experiment', '/definitely/not/here.json'], /no such file/],
  ])('kvlab %j', async (args, message) => {
    const r = await outcome(args);
    expect(r.code).toBe(2);
    expect(r.line.split('\n')).toHaveLength(1);
    expect(r.line).toMatch(message);
    expect(r.line).not.toMatch(/experiments\/prefix-ratio-sweep\.json/); // never blames the shipped file for a --set
  });
});

describe('runtime errors exit 1', () => {
  let busy: Server;
  let port: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    port = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it('a mocker whose port is taken fails at run time, not as a usage error', async () => {
    const r = await runCli(ALL, ['mocker', '--port', String(port)]);
    expect(r.error).toBeInstanceOf(Error);
    expect(r.error).not.toBeInstanceOf(KvlabError);
    expect(exitCodeOf(r.error)).toBe(1);
    expect(errorLine(r.error)).toMatch(/EADDRINUSE/);
  });
});
