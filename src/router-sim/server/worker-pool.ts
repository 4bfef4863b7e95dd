/**
 * The router's upstream workers: one undici Pool (keep-alive connections) per worker, and their
 * liveness. A worker that refuses connections or answers 5xx before any byte is marked down in the
 * RouterCore; after `downForMs` a health check (`GET /health`) runs every `healthCheckMs` until one
 * answers 200, which brings it back. Timers live here (the I/O shell), never in the core.
 */
import { Pool } from 'undici';
import type { RouterCore } from '../router-core.ts';

export interface WorkerEndpoint {
  index: number;
  name: string;
  url: string;
  pool: Pool;
}

export interface WorkerPoolOptions {
  downForMs: number;
  healthCheckMs: number;
  connections: number;
  /** Authorization header for health checks (workers may require the same key). */
  authorization?: string;
}

const TEN_MINUTES = 600_000;

export class WorkerPool {
  readonly endpoints: WorkerEndpoint[];
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private closed = false;

  constructor(
    urls: readonly string[],
    private readonly core: RouterCore,
    private readonly opts: WorkerPoolOptions,
  ) {
    this.endpoints = urls.map((url, index) => ({
      index,
      name: core.names[index],
      url,
      // One request per connection at a time (pipelining 1: a slow stream never holds up another),
      // connections kept alive between requests; the proxy streams through the raw dispatch API.
      pool: new Pool(url, { connections: opts.connections, pipelining: 1, headersTimeout: TEN_MINUTES, bodyTimeout: TEN_MINUTES, keepAliveTimeout: 30_000 }),
    }));
  }

  /** Mark a worker down and schedule health checks to bring it back. */
  markDown(index: number): void {
    if (this.closed || !this.core.isUp(index)) return;
    this.core.setUp(index, false);
    this.schedule(index, this.opts.downForMs);
  }

  private schedule(index: number, delayMs: number): void {
    const t = setTimeout(() => void this.check(index), delayMs);
    t.unref();
    this.timers.set(index, t);
  }

  private async check(index: number): Promise<void> {
    this.timers.delete(index);
    if (this.closed) return;
    let ok = false;
    try {
      const headers: Record<string, string> = this.opts.authorization ? { authorization: this.opts.authorization } : {};
      const res = await this.endpoints[index].pool.request({ path: '/health', method: 'GET', headers, headersTimeout: 2000, bodyTimeout: 2000 });
      await res.body.dump();
      ok = res.statusCode === 200;
    } catch {
      ok = false;
    }
    if (this.closed) return;
    if (ok) this.core.setUp(index, true);
    else this.schedule(index, this.opts.healthCheckMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.endpoints.map((e) => e.pool.destroy().catch(() => undefined)));
  }
}
