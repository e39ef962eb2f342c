/** Token buckets: `capacity` requests at once, refilled continuously at `refillPerSecond`. */

export interface BucketLimits {
  capacity: number
  refillPerSecond: number
}

export type Take = { ok: true } | { ok: false; retryAfterMs: number }

/** Monotonic milliseconds: rate limits must not jump with the wall clock. */
export type MonotonicClock = () => number
export const monotonicNow: MonotonicClock = () => performance.now()

export class TokenBucket {
  private tokens: number
  private updatedAt: number

  constructor(
    private readonly limits: BucketLimits,
    private readonly now: MonotonicClock = monotonicNow,
  ) {
    this.tokens = limits.capacity
    this.updatedAt = now()
  }

  take(): Take {
    this.refill()
    if (this.tokens >= 1) {
      this.tokens -= 1
      return { ok: true }
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - this.tokens) / this.limits.refillPerSecond) * 1000) }
  }

  /** True when the bucket is full again, i.e. forgetting it changes nothing. */
  isFull(): boolean {
    this.refill()
    return this.tokens >= this.limits.capacity
  }

  private refill(): void {
    const now = this.now()
    const elapsedSeconds = Math.max(0, now - this.updatedAt) / 1000
    this.tokens = Math.min(this.limits.capacity, this.tokens + elapsedSeconds * this.limits.refillPerSecond)
    this.updatedAt = now
  }
}

/**
 * One bucket per key (username, address). Memory stays bounded by forgetting full buckets
 * (forgetting one changes nothing) whenever the map doubles past `sweepAt` keys.
 */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>()
  private nextSweepAt: number

  constructor(
    private readonly limits: BucketLimits,
    private readonly now: MonotonicClock = monotonicNow,
    private readonly sweepAt = 10_000,
  ) {
    this.nextSweepAt = sweepAt
  }

  take(key: string): Take {
    let bucket = this.buckets.get(key)
    if (!bucket) {
      if (this.buckets.size >= this.nextSweepAt) this.sweep()
      bucket = new TokenBucket(this.limits, this.now)
      this.buckets.set(key, bucket)
    }
    return bucket.take()
  }

  get size(): number {
    return this.buckets.size
  }

  private sweep(): void {
    for (const [key, bucket] of this.buckets) if (bucket.isFull()) this.buckets.delete(key)
    // amortized: a map of only busy keys is not rescanned on every insert
    this.nextSweepAt = Math.max(this.sweepAt, 2 * this.buckets.size)
  }
}
