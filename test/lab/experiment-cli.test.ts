import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/in-process-cli.ts';
import { parseTargetFlag, progressPrinter, registerExperiment } from '../../src/cli/experiment.ts';
import { KvlabError } from '../../src/core/errors.ts';
import { REQUIRED_FIELDS } from '../../src/lab/experiment-file.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-experiment-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const ROOT = join(import.meta.dirname, '..', '..');

/** Runs `kvlab experiment` in-process; returns what it printed or the error it threw. */
const cli = (args: string[]) => runCli([registerExperiment], args);

const tiny = {
  name: 'tiny',
  description: 'two users, two turns',
  cluster: { numWorkers: 2 },
  workload: { kind: 'multiturn', numUsers: 2, numTurns: 2, numUserTokens: 16, maxCompletionTokens: 4, meanDelayMs: 5, systemPromptTokens: 8 },
  matrix: { 'router.mode': ['kv', 'random'] },
};

describe('kvlab experiment', () => {
  it('--list prints every shipped experiment with its description', async () => {
    const { out, error } = await cli(['experiment', '--list']);
    expect(error).toBeNull();
    for (const name of ['prefix-ratio-sweep', 'speculative-prefill', 'multi-turn-cache', 'cache-pressure', 'trace-replay']) {
      expect(out).toMatch(new RegExp(`^${name}\\s+\\S`, 'm'));
    }
  });

  it('runs a file on the virtual clock: progress on stderr (with --jobs 2, the cells running), paths on stdout; --json prints summary.json', async () => {
    const file = join(root, 'tiny.json');
    writeFileSync(file, JSON.stringify(tiny));
    const plain = await cli(['experiment', file, '-o', join(root, 'plain'), '--no-png', '--jobs', '2']);
    expect(plain.error).toBeNull();
    expect(plain.err).toMatch(/\[1\/2\] router\.mode=kv: 4 ok, TTFT mean/);
    // The main thread's first cell (which cells a thread takes, if one is up in time, varies).
    expect(plain.err).toContain('started 1/2; running: 1');
    expect(plain.out).toContain(`summary: ${join(root, 'plain', 'summary.json')}`);
    expect(plain.out).toContain(`report: ${join(root, 'plain', 'report.html')}`);
    const json = await cli(['experiment', file, '-o', join(root, 'json'), '--jobs', '1', '--json', '--set', 'matrix.router.mode=["kv"]', '--no-png']);
    expect(json.error).toBeNull();
    const doc = JSON.parse(json.out);
    expect(doc).toMatchObject({ experiment: 'tiny', clock: 'virtual' });
    expect(doc.cells).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(root, 'json', 'summary.json'), 'utf8'))).toEqual(doc);
  });

  it('with --jobs, each start names every cell running; a cell leaves the list when its runner is done with it', () => {
    const lines: string[] = [];
    const show = progressPrinter('', true, (line) => lines.push(line));
    const params = {};
    show({ kind: 'cell-start', index: 0, total: 3, params });
    show({ kind: 'cell-start', index: 2, total: 3, params });
    show({ kind: 'cell-ran', index: 0 });
    show({ kind: 'cell-start', index: 1, total: 3, params });
    expect(lines).toEqual(['  started 1/3; running: 1\n', '  started 3/3; running: 1, 3\n', '  started 2/3; running: 2, 3\n']);
  });

  it('names the bad field of a bad file as a usage error', async () => {
    const file = join(root, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...tiny, cluster: { numWorkers: 0 } }));
    const { error } = await cli(['experiment', file]);
    expect(error).toBeInstanceOf(KvlabError);
    expect((error as KvlabError).code).toBe('bad_experiment_file');
    expect((error as KvlabError).message).toMatch(/cluster\.numWorkers/);
    const missing = await cli(['experiment']);
    expect((missing.error as KvlabError).code).toBe('bad_flag');
    const zeroJobs = await cli(['experiment', file, '--jobs', '0']);
    expect((zeroJobs.error as Error).message).toMatch(/--jobs/);
  });

  it('runs a file without a description: summary.json and the report describe its settings instead', async () => {
    const file = join(root, 'undescribed.json');
    const { description: _, ...undescribed } = tiny;
    writeFileSync(file, JSON.stringify(undescribed));
    const { error } = await cli(['experiment', file, '-o', join(root, 'undescribed'), '--no-png', '--jobs', '1']);
    expect(error).toBeNull();
    const summary = JSON.parse(readFileSync(join(root, 'undescribed', 'summary.json'), 'utf8'));
    const expected = 'tiny (no description in the file): multiturn workload on 2 workers behind a kv router; matrix: router.mode ∈ {kv, random}.';
    expect(summary.description).toBe(expected);
    expect(readFileSync(join(root, 'undescribed', 'report.html'), 'utf8')).toContain(`<p class="lead">${expected}</p>`);
  });

  it('says in --help which fields a file needs, and a missing one names them all', async () => {
    const help = await cli(['experiment', '--help']);
    expect(help.out).toMatch(/Required: name, cluster \(may be \{\}\) and workload\.kind\./);
    for (const f of REQUIRED_FIELDS) expect(help.out).toContain(f);
    expect(help.out).toMatch(/Optional: description/);
    const file = join(root, 'nameless.json');
    writeFileSync(file, JSON.stringify({ cluster: {}, workload: { kind: 'multiturn' } }));
    const { error } = await cli(['experiment', file]);
    expect((error as KvlabError).message).toMatch(/field 'name': missing \(an experiment file needs name, cluster, workload\.kind\)/);
  });

  it('parses --target LABEL=URL and rejects anything else', () => {
    expect(parseTargetFlag('prod=http://10.0.0.1:8000')).toEqual({ label: 'prod', url: 'http://10.0.0.1:8000' });
    expect(() => parseTargetFlag('http://10.0.0.1:8000')).toThrow(/LABEL=URL/);
    expect(() => parseTargetFlag('a=')).toThrow(/LABEL=URL/);
  });

  it('exits 2 with one line on stderr for a bad file (the binary)', async () => {
    const file = join(root, 'bad-bin.json');
    writeFileSync(file, JSON.stringify({ ...tiny, workload: { kind: 'multiturn', numUsrs: 2 } }));
    const err = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'experiment', file], { cwd: ROOT }).catch((e) => e);
    expect(err.code).toBe(2);
    const lines = String(err.stderr).trim().split('\n').filter((l) => !l.startsWith('npm warn'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error \[bad_experiment_file\]: .*field 'workload\.numUsrs'/);
  });
});
