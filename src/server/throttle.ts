/**
 * Throttles that every node of a cluster shares. The sign-in limits stop password guessing
 * only if they hold for the whole cluster: with a per-process bucket, N nodes behind a load
 * balancer would allow N times the guesses. The per-connection frame limits stay in
 * process (rate-limit.ts): a socket lives on one node.
 *
 * `MemoryThrottle` is the single-node implementation (and what a cluster uses until a
 * shared one is wired in). A PostgreSQL one needs, in the store's schema:
 *
 *   CREATE TABLE throttles (bucket text, key text, tokens double precision NOT NULL,
 *                           updated_at timestamptz NOT NULL, PRIMARY KEY (bucket, key));
 *
 * and `take` as one statement, so concurrent nodes cannot both spend the last token
 * (the database's clock, so nodes' clocks do not matter; $3 capacity, $4 refill/s):
 *
 *   INSERT INTO throttles AS t VALUES ($1, $2, $3 - 1, clock_timestamp())
 *   ON CONFLICT (bucket, key) DO UPDATE
 *     SET tokens = LEAST($3, t.tokens + EXTRACT(EPOCH FROM clock_timestamp() - t.updated_at) * $4) - 1,
 *         updated_at = clock_timestamp()
 *     WHERE LEAST($3, t.tokens + EXTRACT(EPOCH FROM clock_timestamp() - t.updated_at) * $4) >= 1
 *   RETURNING tokens
 *
 * no row returned = limited (retry after (1 - refilled tokens) / $4 s, from a SELECT of the
 * row), plus an occasional DELETE of rows that have refilled to capacity.
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
