/**
 * Reused memory for long request bodies. On this project's 2-vCPU VM, writing a 94 KB body into fresh
 * memory costs ~0.4 ms more than into memory that served an earlier request (page faults and the
 * kernel zeroing the pages: a 16k-token body written from its token ids takes ~0.1 ms into reused
 * memory and ~0.5 ms into a fresh Buffer; bench/suites/serving-path.ts). A buffer goes back to the
 * pool only once its request got a complete 2xx answer (the server read the whole body to make it);
 * a failed request's buffer is left to the garbage collector, since its bytes may still be on their way.
 */

/** Bodies below this many bytes take ordinary Buffers (Node's own pool serves the small ones). */
export const POOLED_MIN_BYTES = 16 * 1024;
/** Free buffers kept at most (a run's concurrency beyond it allocates as before). */
const MAX_FREE = 64;

export class BodyBuffers {
  private readonly free: ArrayBuffer[] = [];

  /** A Buffer of exactly `n` bytes, in reused memory when a free buffer fits. */
  take(n: number): Buffer {
    if (n < POOLED_MIN_BYTES) return Buffer.allocUnsafe(n);
    const free = this.free;
    for (let i = free.length - 1; i >= 0; i--) {
      const ab = free[i];
      // At most twice the size asked for: a few huge prompts do not pin their memory for small ones.
      if (ab.byteLength >= n && ab.byteLength <= 2 * n) {
        free[i] = free[free.length - 1];
        free.pop();
        return Buffer.from(ab, 0, n);
      }
    }
    // Its own memory (never a slice of Node's pool), rounded up so prompts of near sizes share buffers.
    return Buffer.from(new ArrayBuffer(Math.ceil((n * 1.25) / 4096) * 4096), 0, n);
  }

  /** A Buffer from `take` is free again. */
  give(b: Buffer): void {
    const ab = b.buffer;
    if (!(ab instanceof ArrayBuffer) || ab.byteLength < POOLED_MIN_BYTES || this.free.length >= MAX_FREE || this.free.includes(ab)) return;
    this.free.push(ab);
  }

  /** Free buffers held. */
  get size(): number {
    return this.free.length;
  }
}
