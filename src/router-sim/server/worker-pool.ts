/**
 * The router's upstream workers: one undici Pool (keep-alive connections) per worker, their liveness,
 * and what each one is. A worker that refuses connections or answers 5xx before any byte is marked
 * down in the RouterCore; after `downForMs` a health check (`GET /health`) runs every `healthCheckMs`
 * until one answers 200, which brings it back. Timers live here (the I/O shell), never in the core.
 *
 * Capabilities: every `/health` answer is read for a kvlab worker's `kvlab` field (core/preprocessed);
 * a worker that has it, with our tokenizer, hash function and block size, is sent preprocessed prompts.
 * Each worker is asked once at start (again every `healthCheckMs` until it answers at all), and again
 * whenever it comes back from being down, so a restarted worker is re-identified. Until a worker has
 * answered, it is treated as a plain OpenAI server.
 *
 * Completions go through `completions`: the worker's HTTP pool, or — for a worker living in the
 * router's own process (the embedded cluster, src/lab/in-process-link.ts) — a dispatcher that hands
 * them to it without HTTP. Health checks and admin routes always use HTTP.
 */
import { Pool, type Dispatcher } from 'undici';
import { capabilityOf, type WorkerCapability } from '../../core/preprocessed.ts';
import type { RouterReplicas } from '../router-replicas.ts';

export interface WorkerEndpoint {
  index: number;
  name: string;
  url: string;
  pool: Pool;
  /** Where completions are dispatched: `pool`, or an in-process link to the worker. */
  completions: CompletionDispatcher;
}

/** What the proxy needs to send a completion to a worker: undici's `dispatch`. */
export type CompletionDispatcher = Pick<Dispatcher, 'dispatch'>;

export interface WorkerPoolOptions {
  downForMs: number;
  healthCheckMs: number;
  connections: number;
  /** Authorization header for health checks (workers may require the same key). */
  authorization?: string;
  /** The router's block size (a kvlab worker's must match for preprocessed prompts). */
  blockSize: number;
  /** Ask the workers what they are (false: treat every worker as a plain OpenAI server). */
  identify: boolean;
  /** The router's tokenizer identity (a kvlab worker's must match for preprocessed prompts); default kvlab's. */
  tokenizerId?: string;
  /** Per worker, an in-process dispatcher for its completions (null or absent: HTTP). */
  inProcess?: readonly (CompletionDispatcher | null)[];
}

/** Longest /health body read for the capability, bytes. */
const MAX_HEALTH_BYTES = 64 * 1024;

const TEN_MINUTES = 600_000;

export class WorkerPool {
  readonly endpoints: WorkerEndpoint[];
  /** Per worker: its kvlab capability, or null (a plain OpenAI server, or not known yet). */
  readonly capabilities: (WorkerCapability | null)[];
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly identifyTimers = new Map<number, NodeJS.Timeout>();
  private readonly identified: Promise<void>[];
  private closed = false;

  constructor(
    urls: readonly string[],
    private readonly core: RouterReplicas,
    private readonly opts: WorkerPoolOptions,
  ) {
    this.endpoints = urls.map((url, index) => {
      // One request per connection at a time (pipelining 1: a slow stream never holds up another),
      // connections kept alive between requests; the proxy streams through the raw dispatch API.
      const pool = new Pool(url, { connections: opts.connections, pipelining: 1, headersTimeout: TEN_MINUTES, bodyTimeout: TEN_MINUTES, keepAliveTimeout: 30_000 });
      return { index, name: core.names[index], url, pool, completions: opts.inProcess?.[index] ?? pool };
    });
    this.capabilities = urls.map(() => null);
    this.identified = opts.identify ? this.endpoints.map((e) => this.identify(e.index)) : [];
  }

  /**
   * Resolves once every worker has been asked what it is at least once (answered or not), or after
   * `timeoutMs`.
   */
  async ready(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([Promise.all(this.identified), timeout]);
    clearTimeout(timer);
  }

  /** First identification of a worker; retried every healthCheckMs (in the background) until it answers. */
  private async identify(index: number): Promise<void> {
    if (this.closed || this.identifyTimers.has(index)) return;
    if ((await this.health(index)) !== null) return;
    if (this.closed) return;
    const t = setTimeout(() => {
      this.identifyTimers.delete(index);
      void this.identify(index);
    }, this.opts.healthCheckMs);
    t.unref();
    this.identifyTimers.set(index, t);
  }

  /**
   * GET /health: the status (null when there was no answer), and the worker's capability read from the
   * body (when identifying workers).
   */
  private async health(index: number): Promise<number | null> {
    try {
      const headers: Record<string, string> = this.opts.authorization ? { authorization: this.opts.authorization } : {};
      const res = await this.endpoints[index].pool.request({ path: '/health', method: 'GET', headers, headersTimeout: 2000, bodyTimeout: 2000 });
      if (!this.opts.identify) {
        await res.body.dump();
        return res.statusCode;
      }
      let text = '';
      for await (const chunk of res.body) {
        text += (chunk as Buffer).toString('utf8');
        if (text.length > MAX_HEALTH_BYTES) break;
      }
      if (text.length > MAX_HEALTH_BYTES) await res.body.dump().catch(() => undefined);
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      if (res.statusCode === 200 && !this.closed) this.capabilities[index] = capabilityOf(json, this.opts.blockSize, this.opts.tokenizerId);
      return res.statusCode;
    } catch {
      return null;
    }
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
    const ok = (await this.health(index)) === 200;
    if (this.closed) return;
    if (ok) this.core.setUp(index, true);
    else this.schedule(index, this.opts.healthCheckMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const t of this.identifyTimers.values()) clearTimeout(t);
    this.identifyTimers.clear();
    await Promise.all(this.endpoints.map((e) => e.pool.destroy().catch(() => undefined)));
  }
}
