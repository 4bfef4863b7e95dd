/**
 * The client's connection pool (what `createAgent` gives the transports of a run): an undici Agent
 * whose streamed POSTs to http:// origins — the transport's attempts: a Buffer or string body, a flat
 * header list and a handler with undici's onRequestStart-style callbacks — go over the client's own
 * kept-alive HTTP/1.1 connections (h1-pool.ts); everything else (https, other methods or handler
 * styles, the admin requests through undici's `request`) goes through undici. `close` waits for the
 * answers in flight on its own connections, as undici's does; `destroy` ends them.
 */
import { Agent, type Dispatcher } from 'undici';
import { H1Origin } from './h1-pool.ts';

export class ClientAgent extends Agent {
  private readonly origins = new Map<string, H1Origin>();
  private shut = false;

  override dispatch(opts: Agent.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const { origin, body, headers } = opts;
    if (
      this.shut ||
      opts.method !== 'POST' ||
      typeof origin !== 'string' ||
      !origin.startsWith('http://') ||
      !Array.isArray(headers) ||
      !(typeof body === 'string' || Buffer.isBuffer(body)) ||
      typeof handler.onRequestStart !== 'function'
    ) {
      return super.dispatch(opts, handler);
    }
    let o = this.origins.get(origin);
    if (o === undefined) {
      o = new H1Origin(origin);
      this.origins.set(origin, o);
    }
    o.request(opts.path, headers as string[], body, handler);
    return true;
  }

  private ownClosed: Promise<unknown> | null = null;

  /** Closes its own connections (idle ones now, the others once answered) and undici's. */
  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    // undici's close() without a callback calls close(callback) itself.
    const own = this.closeOwn(false);
    if (!callback) return own.then(() => super.close());
    void own.then(() => super.close(callback));
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    const own = this.closeOwn(true);
    const err = typeof a === 'function' ? null : (a ?? null);
    const callback = typeof a === 'function' ? a : b;
    if (!callback) return own.then(() => super.destroy(err));
    void own.then(() => super.destroy(err, callback));
  }

  private closeOwn(force: boolean): Promise<unknown> {
    this.shut = true;
    const origins = [...this.origins.values()];
    if (force) for (const o of origins) o.destroyAll();
    this.ownClosed ??= Promise.all(origins.map((o) => o.close()));
    return this.ownClosed;
  }
}
