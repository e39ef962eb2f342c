/**
 * Throttles that every node of a cluster shares. The sign-in limits stop password guessing
 * only if they hold for the whole cluster: with a per-process bucket, N nodes behind a load
 * balancer would allow N times the guesses. The per-connection frame limits stay in
 * process (rate-limit.ts): a socket lives on one node.
 *
 * `MemoryThrottle` is the single-node implementation; a store shared by several nodes
 * provides the shared one (`ChatStore.sharedThrottle`, PostgreSQL: store/postgres/throttle.ts).
 */
import { type BucketLimits, KeyedRateLimiter, type MonotonicClock, monotonicNow, type Take } from './rate-limit'

export type ThrottleBucket = 'sign-in-username' | 'sign-in-address' | 'sign-up-address'

export interface SharedThrottle {
  /** Takes one token from the `bucket` kept for `key` (a username, an address). */
  take(bucket: ThrottleBucket, key: string, limits: BucketLimits): Promise<Take>
}

export class MemoryThrottle implements SharedThrottle {
  private readonly limiters = new Map<ThrottleBucket, KeyedRateLimiter>()

  constructor(private readonly clock: MonotonicClock = monotonicNow) {}

  async take(bucket: ThrottleBucket, key: string, limits: BucketLimits): Promise<Take> {
    let limiter = this.limiters.get(bucket)
    if (!limiter) {
      limiter = new KeyedRateLimiter(limits, this.clock)
      this.limiters.set(bucket, limiter)
    }
    return limiter.take(key)
  }
}
