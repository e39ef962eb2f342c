/**
 * Statements and transactions for the PostgreSQL store.
 *
 * Statements are named, so each pooled connection parses and plans one once and then only
 * binds values (pg prepares a named statement on a connection the first time it is used
 * there). Their text is fixed: anything of variable length goes in as an array parameter.
 *
 * One transaction per unit of work, at READ COMMITTED: a unit first locks the counter rows
 * it will move (log.ts), and each statement after that sees everything committed before
 * the lock was granted. A deadlock or serialization failure undoes the whole unit, which
 * is then run again from the start after a short random pause; callers never see them.
 */
import type pg from 'pg'
import { logger } from '../../../shared/log'

const log = logger('server.store.postgres')

/** A connection in a transaction, or the pool for a single-statement read. */
export type Sql = pg.ClientBase | pg.Pool

/**
 * Free text — message text, group names, withdraw reasons — is stored as its UTF-8 bytes
 * (`bytea`): PostgreSQL's `text` cannot hold U+0000, which the protocol allows and the SQLite
 * store keeps, so a message containing it would be refused on a cluster and resent forever.
 */
export const textBytes = (text: string): Buffer => Buffer.from(text, 'utf8')
export const bytesText = (bytes: Buffer): string => bytes.toString('utf8')

export interface Statement {
  readonly name: string
  readonly text: string
}

/** A named statement; `name` must be unique in the store (pg keys its cache by it). */
export const statement = (name: string, text: string): Statement => ({ name: `parley_${name}`, text })

export async function query<R extends pg.QueryResultRow>(sql: Sql, stmt: Statement, values: unknown[] = []): Promise<R[]> {
  return (await sql.query<R>({ name: stmt.name, text: stmt.text, values })).rows
}

export async function queryOne<R extends pg.QueryResultRow>(sql: Sql, stmt: Statement, values: unknown[] = []): Promise<R | null> {
  return (await query<R>(sql, stmt, values))[0] ?? null
}

/**
 * SQLSTATEs that mean "this unit lost a race; running it again will work":
 * 40001 serialization failure, 40P01 deadlock detected, and 23505 unique violation, which
 * here only arises when two units insert the same client id at once (messages with the same
 * id in two conversations): the loser, run again, sees the winner's row and answers
 * `duplicate` or `id-conflict` like any later request.
 */
const RETRYABLE = new Set(['40001', '40P01', '23505'])
const MAX_ATTEMPTS = 12
const BASE_BACKOFF_MS = 2
const MAX_BACKOFF_MS = 200

export function isRetryable(err: unknown): boolean {
  return RETRYABLE.has((err as { code?: string }).code ?? '')
}

/**
 * Runs `work` in one transaction on one pooled connection and commits; retries the whole
 * unit on a lost race (RETRYABLE), with jittered exponential backoff so two units that
 * deadlocked do not meet again in the same order. After MAX_ATTEMPTS the error surfaces:
 * that many lost races in a row is a bug, not contention.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (sql: Sql) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect()
    let reusable = true
    const onLost = watchCheckedOut(client, () => (reusable = false))
    try {
      await client.query('BEGIN')
      const value = await work(client)
      await client.query('COMMIT')
      return value
    } catch (err) {
      // a connection that cannot even roll back is dropped rather than handed out again
      await client.query('ROLLBACK').catch(() => (reusable = false))
      if (!isRetryable(err) || attempt >= MAX_ATTEMPTS) throw err
      log.debug({ code: (err as { code?: string }).code, attempt }, 'unit of work lost a race; running it again')
    } finally {
      client.off('error', onLost)
      client.release(!reusable)
    }
    const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt)
    await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling))
  }
}

/**
 * pg-pool takes its own error listener off a connection while it is checked out, and pg
 * emits 'error' on a client whose connection ends unexpectedly (PostgreSQL stopped or
 * restarted, a backend terminated) even when a query in flight also fails with it: with no
 * listener that is an uncaught exception, and the whole node exits. The failed query
 * already tells the caller; this listener only keeps the process alive and marks the
 * connection as not to be handed out again. Remove it (`client.off('error', listener)`)
 * before releasing the connection.
 */
export function watchCheckedOut(client: pg.PoolClient, onLost: () => void): (err: Error) => void {
  const listener = (err: Error) => {
    onLost()
    log.warn({ err: err.message }, 'PostgreSQL connection lost while in use')
  }
  client.on('error', listener)
  return listener
}
