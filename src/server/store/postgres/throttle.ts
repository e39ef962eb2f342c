/**
 * Sign-in and sign-up throttles every node of a cluster shares (see throttle.ts for why).
 * One row per bucket and key; taking a token is one statement, so two nodes can never both
 * spend the last token, and the refill runs on the database's clock, so the nodes' clocks
 * do not matter. Rows that have refilled to capacity are swept now and then: a full bucket
 * and a missing row mean the same.
 */
import type pg from 'pg'
import type { BucketLimits, Take } from '../../rate-limit'
import type { SharedThrottle, ThrottleBucket } from '../../throttle'
import { query, statement } from './sql'

/** Tokens the bucket holds now ($3 capacity, $4 per second), from what the row last held. */
const REFILLED = 'LEAST($3::float8, t.tokens + EXTRACT(EPOCH FROM clock_timestamp() - t.updated_at) * $4::float8)'

const TAKE = statement(
  'throttle_take',
  `INSERT INTO throttles AS t (bucket, key, tokens, updated_at) VALUES ($1, $2, $3::float8 - 1, clock_timestamp())
   ON CONFLICT (bucket, key) DO UPDATE
     SET tokens = ${REFILLED} - 1, updated_at = clock_timestamp()
     WHERE ${REFILLED} >= 1
   RETURNING tokens`,
)
const LEFT = statement('throttle_left', `SELECT ${REFILLED} AS tokens FROM throttles t WHERE bucket = $1 AND key = $2`)
/** Full again: as good as no row. */
const SWEEP = statement(
  'throttle_sweep',
  `DELETE FROM throttles WHERE updated_at < clock_timestamp() - make_interval(secs => $1::float8)`,
)

/** Sweep after this many takes, rows idle longer than the slowest bucket needs to refill. */
const SWEEP_EVERY = 1_000
const SWEEP_AFTER_SECONDS = 24 * 3600

export class PostgresThrottle implements SharedThrottle {
  private takes = 0

  constructor(private readonly pool: pg.Pool) {}

  async take(bucket: ThrottleBucket, key: string, limits: BucketLimits): Promise<Take> {
    if (++this.takes % SWEEP_EVERY === 0) void query(this.pool, SWEEP, [SWEEP_AFTER_SECONDS]).catch(() => {})
    const values = [bucket, key, limits.capacity, limits.refillPerSecond]
    if ((await query(this.pool, TAKE, values)).length > 0) return { ok: true }
    const [row] = await query<{ tokens: number }>(this.pool, LEFT, values)
    const missing = 1 - (row?.tokens ?? 0)
    return { ok: false, retryAfterMs: Math.max(1, Math.ceil((missing / limits.refillPerSecond) * 1000)) }
  }
}
