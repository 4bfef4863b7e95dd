/**
 * The worker-thread side of cluster-thread.ts: start a cell's embedded cluster when asked (resolving
 * its cluster section here), report its URLs, stop it when asked. Errors go back as one message.
 */
import { parentPort } from 'node:worker_threads';
import { startCluster, type RunningCluster } from './cluster.ts';
import { embeddedClusterOptions, resolveCluster } from './cluster-settings.ts';
import type { FromHost, ToHost } from './cluster-thread.ts';
import { cellTokenizer } from './cell-tokenizer.ts';

const port = parentPort!;
let cluster: RunningCluster | null = null;
const reply = (m: FromHost): void => port.postMessage(m);

port.on('message', async (m: ToHost) => {
  try {
    if (m.kind === 'stop') {
      const c = cluster;
      cluster = null;
      await c?.close();
      reply({ kind: 'stopped' });
      return;
    }
    if (cluster) throw new Error('a cluster is already running in this thread');
    const resolved = resolveCluster(m.settings, m.baseDir);
    const options = embeddedClusterOptions(resolved, m.seed);
    if (resolved.tokenizerPath !== null) options.tokenizer = cellTokenizer(resolved.tokenizerPath);
    cluster = await startCluster(options);
    reply({ kind: 'started', url: cluster.url, workers: cluster.workers.map((w) => ({ name: w.name, url: w.url, kvEventsEndpoint: w.kvEventsEndpoint })) });
  } catch (err) {
    reply({ kind: 'error', message: (err as Error).message });
  }
});
