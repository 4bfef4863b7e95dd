import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledEntry, flagsWithoutTsx, sourceKey, startThread } from '../../src/lab/thread-entry.ts';
import { listModels } from '../../src/models/catalog.ts';

const entry = new URL('./fixtures/thread-echo.ts', import.meta.url);

describe('thread entries', () => {
  it('run a TypeScript entry from one bundled file whose modules keep their own URLs and read the data beside them', async () => {
    const file = await bundledEntry(entry);
    expect(file).toMatch(/node_modules\/\.cache\/kvlab\/thread-echo-[0-9a-f]{16}\.mjs$/);
    expect(await bundledEntry(entry)).toBe(file); // bundled once per process
    const w = await startThread(entry, { answer: 42 });
    try {
      const [m] = await once(w, 'message');
      expect(m.url).toBe(entry.href);
      expect(m.workerData).toEqual({ answer: 42 });
      expect(m.models).toEqual(listModels().map((x) => x.spec.id));
      expect(m.models).toContain('meta-llama/Llama-3.1-8B-Instruct');
    } finally {
      await w.terminate();
    }
  });

  it("start a bundled thread without tsx's loader flags, keeping the other flags", () => {
    const tsxCommand = ['--require', '/p/node_modules/tsx/dist/preflight.cjs', '--import', 'file:///p/node_modules/tsx/dist/loader.mjs'];
    expect(flagsWithoutTsx(tsxCommand)).toEqual([]);
    expect(flagsWithoutTsx(['--cpu-prof', '--import', 'tsx', '--import=tsx', '--stack-size=2000'])).toEqual(['--cpu-prof', '--stack-size=2000']);
    expect(flagsWithoutTsx(['--import', './my-hooks.mjs', '-r', 'dotenv/config'])).toEqual(['--import', './my-hooks.mjs', '-r', 'dotenv/config']);
  });

  it('name a bundle by what it is made of: the same sources give the same key, a changed file another', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvlab-thread-key-'));
    try {
      const entryFile = join(dir, 'entry.ts');
      writeFileSync(entryFile, 'export const a = 1;\n');
      utimesSync(entryFile, 1_700_000_000, 1_700_000_000);
      const key = sourceKey(entryFile);
      expect(key).toMatch(/^[0-9a-f]{16}$/);
      expect(sourceKey(entryFile)).toBe(key);
      utimesSync(entryFile, 1_700_000_001, 1_700_000_001);
      const changed = sourceKey(entryFile);
      expect(changed).not.toBe(key);
      // An entry outside src/ imports its neighbours: a changed neighbour changes the key too.
      writeFileSync(join(dir, 'neighbour.ts'), 'export const b = 2;\n');
      expect(sourceKey(entryFile)).not.toBe(changed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
