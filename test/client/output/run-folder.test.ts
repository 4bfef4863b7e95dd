import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunFolder } from '../../../src/client/output/run-folder.ts';
import { verifyAnswers } from '../../../src/client/verify-output.ts';
import { expectedAnswersOf } from '../../../src/client/bench-command.ts';

const dir = mkdtempSync(join(tmpdir(), 'kvlab-folder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run folder', () => {
  it('appends one JSON line per record immediately and writes run.json atomically', () => {
    const f = RunFolder.open(join(dir, 'a', 'b'));
    f.append({ n: 1 });
    // Already on disk before the run ends.
    expect(readFileSync(join(dir, 'a', 'b', 'requests.jsonl'), 'utf8')).toBe('{"n":1}\n');
    f.append({ n: 2 });
    f.writeRunFile({ ok: true });
    f.close();
    expect(readFileSync(join(dir, 'a', 'b', 'requests.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))).toEqual([{ n: 1 }, { n: 2 }]);
    expect(JSON.parse(readFileSync(join(dir, 'a', 'b', 'run.json'), 'utf8'))).toEqual({ ok: true });
    expect(readdirSync(join(dir, 'a', 'b')).sort()).toEqual(['requests.jsonl', 'run.json']);
  });

  it('starts a fresh requests.jsonl when reused', () => {
    const f1 = RunFolder.open(join(dir, 'c'));
    f1.append({ old: true });
    f1.close();
    const f2 = RunFolder.open(join(dir, 'c'));
    f2.append({ fresh: true });
    f2.close();
    expect(readFileSync(join(dir, 'c', 'requests.jsonl'), 'utf8')).toBe('{"fresh":true}\n');
  });

  it('reports a folder it cannot create in one line', () => {
    // A folder inside a regular file cannot exist.
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    expect(() => RunFolder.open(join(file, 'run'))).toThrow(/cannot write the run folder/);
  });
});

describe('verify output', () => {
  it('compares each real answer with the reference answer of its turn', () => {
    const expected = expectedAnswersOf([{ id: 'a', messages: [{ role: 'user', content: 'q1' }, { role: 'assistant', content: 'r1' }, { role: 'user', content: 'q2' }] }]);
    expect(expected.get('a')).toEqual(['r1', null]);
    const same = [{ id: 'a', messages: [{ role: 'user', content: 'q1' }, { role: 'assistant', content: 'r1' }, { role: 'user', content: 'q2' }, { role: 'assistant', content: 'anything' }] }];
    expect(verifyAnswers(same, expected)).toEqual([]);
    const diff = [{ id: 'a', messages: [{ role: 'user', content: 'q1' }, { role: 'assistant', content: 'other' }] }];
    expect(verifyAnswers(diff, expected)).toEqual(['a turn 1: got "other" (5 chars), expected "r1" (2 chars)']);
  });
});
