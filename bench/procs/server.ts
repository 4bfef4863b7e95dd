/**
 * Child-process entry of the benchmarks' servers: `server.ts <kind> <options-json>` starts one of
 * - `mocker`  : one mock worker (src/mocker startMocker, port 0) — options are MockerOptions;
 * - `router`  : the router proxy (src/router-sim startRouter, port 0) — options are RouterOptions;
 * - `bare-sse`: the bare fastify SSE baseline (bare-sse.ts) — options are BareSseOptions;
 * - `cluster` : an embedded cluster (src/lab/cluster.ts startCluster, router on port 0) — options are
 *               ClusterOptions (its `url` is the router's);
 * on 127.0.0.1, then sends `{type: 'ready', url, kvEvents}` over IPC. It stops on SIGTERM, when the
 * parent disconnects, or after a hard lifetime bound. A `{type: 'cpu'}` message is answered with the
 * process's CPU time so far (`{type: 'cpu', ms}`).
 */
import type { AddressInfo } from 'node:net';
import { startMocker } from '../../src/mocker/index.ts';
import { startRouter } from '../../src/router-sim/index.ts';
import { startCluster, type ClusterOptions } from '../../src/lab/cluster.ts';
import { buildBareSseApp, type BareSseOptions } from './bare-sse.ts';

const MAX_LIFETIME_MS = 20 * 60_000;

function send(msg: unknown): void {
  process.send?.(msg);
}

async function start(kind: string, options: Record<string, unknown>): Promise<{ url: string; kvEvents: string | null; close(): Promise<void> }> {
  switch (kind) {
    case 'mocker': {
      const m = await startMocker({ ...options, numWorkers: 1, host: '127.0.0.1', port: 0 });
      return { url: m.workers[0].url, kvEvents: m.workers[0].kvEventsEndpoint, close: () => m.close() };
    }
    case 'router': {
      const r = await startRouter({ ...options, host: '127.0.0.1', port: 0 });
      // Ready once its KV-event subscriptions reached the publishers and it knows what its workers are.
      await r.state.subscribers?.ready(5000);
      await r.state.pool.ready(5000);
      return { url: r.url, kvEvents: null, close: () => r.close() };
    }
    case 'cluster': {
      const o = options as ClusterOptions;
      const c = await startCluster({ ...o, mocker: { ...o.mocker, host: '127.0.0.1' }, router: { ...o.router, port: 0 } });
      return { url: c.url, kvEvents: null, close: () => c.close() };
    }
    case 'bare-sse': {
      const app = buildBareSseApp(options as unknown as BareSseOptions);
      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.server.address() as AddressInfo).port;
      return { url: `http://127.0.0.1:${port}`, kvEvents: null, close: () => app.close() };
    }
    default:
      throw new Error(`unknown server kind '${kind}' (mocker, router, cluster, bare-sse)`);
  }
}

async function main(): Promise<void> {
  const [kind, json] = process.argv.slice(2);
  const lifetime = setTimeout(() => process.exit(3), MAX_LIFETIME_MS);
  lifetime.unref();
  let server: Awaited<ReturnType<typeof start>>;
  try {
    server = await start(kind ?? '', JSON.parse(json ?? '{}') as Record<string, unknown>);
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    process.exitCode = 1;
    process.disconnect?.();
    return;
  }
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 2000);
    force.unref();
    void server.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  process.on('message', (m) => {
    if ((m as { type?: string }).type === 'cpu') {
      const u = process.cpuUsage();
      send({ type: 'cpu', ms: (u.user + u.system) / 1000 });
    }
  });
  send({ type: 'ready', url: server.url, kvEvents: server.kvEvents });
}

void main();
