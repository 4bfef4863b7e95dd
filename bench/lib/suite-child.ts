/**
 * Child-process entry that runs ONE suite (`suite-child.ts <id> <options-json>`) and sends its result
 * over IPC, so suites never share a heap, a JIT warm-up or leftover sockets. Logs go to stderr.
 */
import { performance } from 'node:perf_hooks';
import { loadSuite } from '../suites/index.ts';
import type { SuiteOptions, SuiteResult } from './types.ts';

async function main(): Promise<void> {
  const [id, json] = process.argv.slice(2);
  const opts = JSON.parse(json ?? '{}') as SuiteOptions;
  const t0 = performance.now();
  let result: SuiteResult;
  try {
    const suite = await loadSuite(id ?? '');
    const log = (msg: string): void => {
      process.stderr.write(`  [${suite.id}] ${msg}\n`);
    };
    const out = await suite.run(opts, log);
    result = { suite: suite.id, title: suite.title, figures: out.figures, config: out.config, wallS: (performance.now() - t0) / 1000, error: null };
  } catch (err) {
    result = { suite: id ?? '', title: id ?? '', figures: [], config: {}, wallS: (performance.now() - t0) / 1000, error: err instanceof Error ? err.message : String(err) };
  }
  process.send?.({ type: 'result', result }, () => process.exit(0));
}

void main();
