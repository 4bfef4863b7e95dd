/**
 * A token-bucket rate limiter keyed by client, with an injectable clock.
 *
 * Written for kvlab as a seed document. Each client owns a bucket that refills at
 * `ratePerSecond` up to `burst` tokens; a request costs one token (or `cost`).
 * Idle buckets are forgotten after `idleMs` so memory stays bounded.
 */

export interface LimiterOptions {
  ratePerSecond: number;
  burst: number;
  idleMs?: number;
  now?: () => number;
}

export interface Decision {
  allowed: boolean;
  remaining: number;
  /** When not allowed: milliseconds until enough tokens have refilled. */
  retryAfterMs: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly idleMs: number;
  private readonly now: () => number;
  private lastSweep: number;

  constructor(opts: LimiterOptions) {
    if (!(opts.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be > 0');
    if (!(opts.burst >= 1)) throw new RangeError('burst must be >= 1');
    this.rate = opts.ratePerSecond / 1000;
    this.burst = opts.burst;
    this.idleMs = opts.idleMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    this.lastSweep = this.now();
  }

  private refill(bucket: Bucket, at: number): void {
    const elapsed = Math.max(0, at - bucket.updatedAt);
    bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.rate);
    bucket.updatedAt = at;
  }

  take(client: string, cost = 1): Decision {
    if (cost > this.burst) {
      return { allowed: false, remaining: 0, retryAfterMs: Number.POSITIVE_INFINITY };
    }
    const at = this.now();
    this.sweep(at);
    let bucket = this.buckets.get(client);
    if (!bucket) {
      bucket = { tokens: this.burst, updatedAt: at };
      this.buckets.set(client, bucket);
    } else {
      this.refill(bucket, at);
    }
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterMs: 0 };
    }
    const missing = cost - bucket.tokens;
    return { allowed: false, remaining: Math.floor(bucket.tokens), retryAfterMs: Math.ceil(missing / this.rate) };
  }

  /** Drops buckets that have been idle long enough to be full again anyway. */
  private sweep(at: number): void {
    if (at - this.lastSweep < this.idleMs) return;
    this.lastSweep = at;
    for (const [client, bucket] of this.buckets) {
      if (at - bucket.updatedAt >= this.idleMs) this.buckets.delete(client);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}

// Example: 2 requests per second with bursts of 5, on a fake clock.
export function demo(): Decision[] {
  let t = 0;
  const limiter = new TokenBucketLimiter({ ratePerSecond: 2, burst: 5, now: () => t });
  const out: Decision[] = [];
  for (let i = 0; i < 7; i++) out.push(limiter.take('alice'));
  t += 1500;
  out.push(limiter.take('alice'));
  return out;
}
