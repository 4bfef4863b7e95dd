/**
 * Child processes of the benchmarks: a server (mocker, router, bare SSE route) started with
 * `node --import tsx bench/procs/server.ts` over an IPC channel. The child reports where it listens
 * in a `ready` message; `close()` stops it (SIGTERM, then SIGKILL after a grace period) and waits for
 * its exit. Every wait is bounded; a child also exits by itself when its parent goes away.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVER_ENTRY = fileURLToPath(new URL('../procs/server.ts', import.meta.url));

export interface ServerReady {
  type: 'ready';
  url: string;
  /** ZeroMQ KV-events endpoint of a mocker worker, when it publishes. */
  kvEvents?: string | null;
}

export interface ServerProcess {
  pid: number;
  url: string;
  kvEvents: string | null;
  /** CPU time (user + system) the server process has used so far, ms. */
  cpuMs(): Promise<number>;
  close(): Promise<void>;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Stop one child we started: SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await waitExit(child, graceMs))) {
    child.kill('SIGKILL');
    await waitExit(child, graceMs);
  }
}

/** Start a server child of `kind` with `options` (JSON) and wait until it listens. */
export async function startServer(kind: string, options: Record<string, unknown>, timeoutMs = 30_000): Promise<ServerProcess> {
  const child = fork(SERVER_ENTRY, [kind, JSON.stringify(options)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<ServerReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} server did not start within ${timeoutMs} ms`)), timeoutMs);
    child.once('message', (m) => {
      clearTimeout(timer);
      const msg = m as ServerReady | { type: 'error'; message: string };
      if (msg.type === 'ready') resolve(msg);
      else reject(new Error(`${kind} server failed: ${msg.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${kind} server exited before it was ready (code ${code}, signal ${signal})`));
    });
  }).catch(async (err: unknown) => {
    await stopChild(child);
    throw err;
  });
  child.removeAllListeners('exit');
  return {
    pid: child.pid!,
    url: ready.url,
    kvEvents: ready.kvEvents ?? null,
    cpuMs: () =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${kind} server did not report its CPU time`)), 5000);
        const onMessage = (m: unknown): void => {
          const msg = m as { type?: string; ms?: number };
          if (msg.type !== 'cpu') return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(msg.ms ?? Number.NaN);
        };
        child.on('message', onMessage);
        child.send({ type: 'cpu' });
      }),
    close: () => stopChild(child),
  };
}
