/**
 * One transfer link of the KV offload tiers (GPU↔CPU or CPU↔disk) as a processor-sharing queue: every
 * transfer in flight gets an equal share of the link's bandwidth, so n concurrent transfers each move
 * at bandwidth / n and the link's total throughput never exceeds its bandwidth. The Dynamo mocker
 * models its offload links the same way (dynamo-mocker `kvbm_offload`: "concurrent transfers on the
 * same link fair-share throughput rather than all getting peak bandwidth").
 *
 * Pure and clock-free: time only moves when the caller passes a later `nowMs` (a time earlier than the
 * link's own is taken as its own: the link never runs backwards). Approximation: no per-transfer setup
 * latency, no direction split (reads and writes share one bandwidth, as on a half-duplex link).
 */

/**
 * A transfer within this much time of its end counts as done (1 ns: above the float resolution of
 * monotonic clock readings, so a completion time is always strictly after the time it was computed at).
 */
const DONE_MS = 1e-6;

export class SharedLink {
  /** Bytes per millisecond. */
  readonly bytesPerMs: number;
  private readonly ids: number[] = [];
  private readonly remaining: number[] = [];
  /** The time up to which the transfers in flight have been advanced. */
  private atMs = 0;
  /** Total bytes ever queued (tests, stats). */
  bytesQueued = 0;
  /** Told of each transfer as it completes, with its completion time (kv-transfer.ts adds latency after it). */
  onDone: ((id: number, atMs: number) => void) | null = null;

  constructor(readonly bandwidthGbps: number) {
    if (!(bandwidthGbps > 0) || !Number.isFinite(bandwidthGbps)) throw new RangeError(`link bandwidth must be a positive number of GB/s, got ${bandwidthGbps}`);
    this.bytesPerMs = bandwidthGbps * 1e6;
  }

  /** Transfers in flight. */
  get active(): number {
    return this.ids.length;
  }

  /** Queue `bytes` under transfer id `id` at `nowMs`. */
  add(id: number, bytes: number, nowMs: number): void {
    this.advance(nowMs);
    this.bytesQueued += bytes;
    if (bytes <= this.doneBytes) {
      this.onDone?.(id, this.atMs); // done at once
      return;
    }
    this.ids.push(id);
    this.remaining.push(bytes);
  }

  /** Add `bytes` to transfer `id`, still in flight (returns false when it is not). */
  grow(id: number, bytes: number, nowMs: number): boolean {
    this.advance(nowMs);
    const i = this.ids.indexOf(id);
    if (i < 0) return false;
    this.remaining[i] += bytes;
    this.bytesQueued += bytes;
    return true;
  }

  /** Whether transfer `id` is still in flight at `nowMs`. */
  inFlight(id: number, nowMs: number): boolean {
    this.advance(nowMs);
    return this.ids.includes(id);
  }

  /** When the next transfer in flight completes if nothing is added meanwhile; Infinity when idle. */
  nextCompletionMs(): number {
    const n = this.ids.length;
    if (n === 0) return Infinity;
    let min = Infinity;
    for (let i = 0; i < n; i++) if (this.remaining[i] < min) min = this.remaining[i];
    return this.atMs + (min * n) / this.bytesPerMs;
  }

  /** Drop every transfer (a cache reset). */
  clear(): void {
    this.ids.length = 0;
    this.remaining.length = 0;
  }

  /** Move the transfers in flight forward to `nowMs`, completing those that finish by then. */
  advance(nowMs: number): void {
    if (nowMs <= this.atMs) return;
    while (this.ids.length > 0) {
      const n = this.ids.length;
      let min = Infinity;
      for (let i = 0; i < n; i++) if (this.remaining[i] < min) min = this.remaining[i];
      const finishMs = this.atMs + (min * n) / this.bytesPerMs;
      if (finishMs > nowMs + DONE_MS) {
        const moved = ((nowMs - this.atMs) * this.bytesPerMs) / n;
        for (let i = 0; i < n; i++) this.remaining[i] -= moved;
        this.dropDone(nowMs);
        break;
      }
      this.atMs = finishMs;
      for (let i = 0; i < n; i++) this.remaining[i] -= min;
      this.dropDone(finishMs);
    }
    this.atMs = nowMs;
  }

  /** Bytes the link moves in DONE_MS at full rate: less than that left is done. */
  private get doneBytes(): number {
    return this.bytesPerMs * DONE_MS;
  }

  /** Remove the transfers with (almost) nothing left, done at `atMs`. */
  private dropDone(atMs: number): void {
    const done = this.doneBytes;
    let j = 0;
    for (let i = 0; i < this.ids.length; i++) {
      if (this.remaining[i] > done) {
        this.ids[j] = this.ids[i];
        this.remaining[j++] = this.remaining[i];
      } else this.onDone?.(this.ids[i], atMs);
    }
    this.ids.length = j;
    this.remaining.length = j;
  }
}
