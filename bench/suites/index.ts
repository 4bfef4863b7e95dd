/**
 * The benchmark registry, in the order `npm run bench` runs them. Suites are imported lazily so a
 * child process loads only the one it runs.
 */
import type { Suite } from '../lib/types.ts';

export const SUITES: readonly { id: string; load(): Promise<Suite> }[] = Object.freeze([
  { id: 'virtual-cluster', load: async () => (await import('./virtual-cluster.ts')).virtualCluster },
  { id: 'mocker-stream', load: async () => (await import('./mocker-stream.ts')).mockerStream },
  { id: 'router-indexer', load: async () => (await import('./router-indexer.ts')).routerIndexer },
  { id: 'router-proxy', load: async () => (await import('./router-proxy.ts')).routerProxy },
  { id: 'client-fidelity', load: async () => (await import('./client-fidelity.ts')).clientFidelity },
  { id: 'client-capacity', load: async () => (await import('./client-capacity.ts')).clientCapacity },
  { id: 'tokenizer', load: async () => (await import('./tokenizer.ts')).tokenizer },
  { id: 'serving-path', load: async () => (await import('./serving-path.ts')).servingPath },
  { id: 'worker-link', load: async () => (await import('./worker-link.ts')).workerLink },
  { id: 'clock-agreement', load: async () => (await import('./clock-agreement.ts')).clockAgreement },
  { id: 'hf-tokenizer', load: async () => (await import('./hf-tokenizer.ts')).hfTokenizer },
  { id: 'parallel-cells', load: async () => (await import('./parallel-cells.ts')).parallelCells },
  { id: 'big-runs', load: async () => (await import('./big-runs.ts')).bigRuns },
]);

export const SUITE_IDS: readonly string[] = SUITES.map((s) => s.id);

export async function loadSuite(id: string): Promise<Suite> {
  const entry = SUITES.find((s) => s.id === id);
  if (!entry) throw new Error(`unknown benchmark '${id}' (known: ${SUITE_IDS.join(', ')})`);
  return entry.load();
}
