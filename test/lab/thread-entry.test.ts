import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { bundledEntry, flagsWithoutTsx, startThread } from '../../src/lab/thread-entry.ts';
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
});
