/**
 * The cluster store: PostgreSQL, shared by any number of server nodes. Each node holds a
 * small pool of connections; every method is one transaction (sql.ts), ordered without a
 * global lock or clock row by per-conversation and per-user counter rows (log.ts).
 *
 * Durability: every connection runs with synchronous_commit on, whatever the server's
 * default, so a commit is on disk before it is acknowledged to us or visible to any other
 * node's reads: nothing is relayed or read out to a device before it is durable.
 *
 * Timestamps come from the database's clock (`parley_now_ms()`, migrations.ts); the `now`
 * the callers pass is not used, so nodes with skewed clocks stamp and judge withdraw
 * windows alike.
 *
 * Not yet matched here: the SQLite store leaves no trace of withdrawn text in its files
 * (secure_delete, WAL truncation). PostgreSQL keeps a deleted row's bytes in its heap page
 * until a later row overwrites them (VACUUM alone does not, for the newest row of a page;
 * VACUUM FULL does), and in WAL segments until they are unlinked or recycled and written
 * again; the text is gone from every query at once, but not yet from the disk. Measured by
 * bench/pg-no-trace.ts, in docs/reliability.md.
 */
import pg from 'pg'
import type { Role } from '../../../shared/group-rules'
import { logger } from '../../../shared/log'
import type {
  AckResult,
  AppendMessageResult,
  ChatStore,
  CreateGroupResult,
  DeviceAck,
  GroupChangeRequest,
  GroupChangeResult,
  GroupEventRecord,
  GroupRecord,
  NewGroup,
  NewMessage,
  NewSession,
  SessionRecord,
  StoredEvent,
  UserRecord,
  WithdrawRequest,
  WithdrawResult,
} from '../types'
import {
  deleteSession,
  deleteUserSessions,
  insertSession,
  insertUser,
  selectDeviceCursor,
  selectSessionByTokenHash,
  selectUser,
} from './accounts'
import { ackDevices } from './delivery'
import { changeGroup, createGroup, selectGroup, selectGroupEvent, selectMemberNames, selectRole } from './groups'
import { lockCounters, selectEventsAfter } from './log'
import { appendMessage, countersOfMessages, withdrawMessage } from './messages'
import { migrate } from './migrations'
import { oneInFlight } from './one-in-flight'
import { inTransaction, type Sql } from './sql'
import { PostgresThrottle } from './throttle'
import type { SharedThrottle } from '../../throttle'

const log = logger('server.store.postgres')

export interface PostgresOpenOptions {
  /** Connections in this node's pool (default 8). */
  maxConnections?: number
  /** How long to wait for a connection to be made (default 10 s). */
  connectTimeoutMs?: number
  /**
   * Tests only: shifts the database clock of this store's connections by this much, so a
   * test can let a withdraw window pass without waiting two minutes. Production code never
   * sets it; the clock is then the database's own.
   */
  clockOffsetMs?: number
}

/** int8 (bigint) columns as numbers: every one here is a ms timestamp, a seq or a count, far below 2^53. */
const INT8_OID = 20
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}

export class PostgresStore implements ChatStore {
  private closed = false

  private constructor(private readonly pool: pg.Pool) {}

  /**
   * Connects, brings the schema up to date (once, however many nodes start together) and
   * returns the store. Fails with one clear line for a bad URL, an unreachable or refusing
   * server, or a database from a newer Parley.
   */
  static async open(url: string, options: PostgresOpenOptions = {}): Promise<PostgresStore> {
    const where = describeUrl(url)
    // the URL's own `options` (say, a search_path) are kept; ours come after, so they win
    const settings = [new URL(url).searchParams.get('options') ?? '', '-c synchronous_commit=on'].filter(Boolean)
    if (options.clockOffsetMs !== undefined) settings.push(`-c parley.clock_offset_ms=${Math.trunc(options.clockOffsetMs)}`)
    const pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 8,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      options: settings.join(' '),
      types,
    })
    // an idle connection that breaks (server restart) is dropped by the pool; the next unit gets a new one
    pool.on('error', (err) => log.warn({ err: err.message, database: where }, 'idle PostgreSQL connection failed'))
    try {
      await migrate(pool, where)
    } catch (err) {
      await pool.end().catch(() => {})
      if ((err as { code?: string }).code === 'DATABASE_TOO_NEW') throw err
      throw new Error(`cannot open the PostgreSQL database ${where}: ${reasonOf(err)}`, { cause: err })
    }
    return new PostgresStore(pool)
  }

  async createUser(user: UserRecord): Promise<'created' | 'taken'> {
    return this.unit((sql) => insertUser(sql, user))
  }

  async findUser(username: string): Promise<UserRecord | null> {
    return this.read((sql) => selectUser(sql, username))
  }

  async createSession(session: NewSession): Promise<{ replaced: SessionRecord[] }> {
    return { replaced: await this.unit((sql) => insertSession(sql, session)) }
  }

  async findSessionByTokenHash(tokenHash: Buffer): Promise<SessionRecord | null> {
    return this.read((sql) => selectSessionByTokenHash(sql, tokenHash))
  }

  async revokeSession(sessionId: string): Promise<SessionRecord | null> {
    return this.unit((sql) => deleteSession(sql, sessionId))
  }

  async revokeUserSessions(username: string): Promise<SessionRecord[]> {
    return this.unit((sql) => deleteUserSessions(sql, username))
  }

  async deviceCursor(username: string, deviceId: string): Promise<number> {
    return this.read((sql) => selectDeviceCursor(sql, username, deviceId))
  }

  async ackDevices(acks: readonly DeviceAck[]): Promise<AckResult[]> {
    return this.ackQueue(acks)
  }

  private readonly ackQueue = oneInFlight((acks: readonly DeviceAck[]) => this.batch(acks, (sql, items) => ackDevices(sql, items)))

  // 1:1 membership is derived from the conversation id by the caller; only groups are stored.
  async rolesOf(conversationId: string, username: string): Promise<Role | null> {
    return this.read((sql) => selectRole(sql, conversationId, username))
  }

  async membersOf(conversationId: string): Promise<string[]> {
    return this.read((sql) => selectMemberNames(sql, conversationId))
  }

  async findGroup(conversationId: string): Promise<GroupRecord | null> {
    return this.read((sql) => selectGroup(sql, conversationId))
  }

  async findGroupEvent(id: string): Promise<GroupEventRecord | null> {
    return this.read((sql) => selectGroupEvent(sql, id))
  }

  async createGroup(group: NewGroup): Promise<CreateGroupResult> {
    return this.unit((sql) => createGroup(sql, group))
  }

  async changeGroup(request: GroupChangeRequest): Promise<GroupChangeResult> {
    return this.unit((sql) => changeGroup(sql, request))
  }

  async appendMessages(messages: readonly NewMessage[]): Promise<AppendMessageResult[]> {
    return this.appendQueue(messages)
  }

  private readonly appendQueue = oneInFlight((messages: readonly NewMessage[]) =>
    this.batch(messages, async (sql, items) => {
      // every counter the batch will move, locked up front in the fixed order (log.ts)
      await lockCounters(sql, countersOfMessages(items))
      const results: AppendMessageResult[] = []
      for (const message of items) results.push(await appendMessage(sql, message))
      return results
    }),
  )

  async withdrawMessage(request: WithdrawRequest): Promise<WithdrawResult> {
    return this.unit((sql) => withdrawMessage(sql, request))
  }

  async eventsAfter(username: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    return this.read((sql) => selectEventsAfter(sql, username, afterSeq, limit))
  }

  sharedThrottle(): SharedThrottle {
    return new PostgresThrottle(this.pool)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    // waits for units in flight to release their connections
    await this.pool.end()
  }

  /** One unit of work, in one transaction, retried on a lost race (sql.ts). */
  private unit<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the store is closed'))
    return inTransaction(this.pool, work)
  }

  /** A single statement needs no transaction of its own: it reads one snapshot. */
  private async read<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the store is closed')
    return work(this.pool)
  }

  /**
   * A batch in one transaction: one commit (one WAL flush) for the turn. If an item throws,
   * that transaction is undone as a whole; then each item runs in a transaction of its own,
   * so only the one that throws is undone (like the SQLite store's savepoints). The promise
   * rejects with the first such error; the other items are written.
   */
  private async batch<I, O>(items: readonly I[], work: (sql: Sql, items: readonly I[]) => Promise<O[]>): Promise<O[]> {
    if (items.length === 0) return []
    try {
      return await this.unit((sql) => work(sql, items))
    } catch (err) {
      if (items.length === 1) throw err
      log.debug({ err: (err as Error).message, items: items.length }, 'batch failed; writing its items one by one')
    }
    const settled = []
    for (const item of items) settled.push(await this.unit((sql) => work(sql, [item])).then((r) => ({ ok: r[0]! }), (err: unknown) => ({ err })))
    const failed = settled.find((s) => 'err' in s)
    if (failed && 'err' in failed) throw failed.err
    return settled.map((s) => (s as { ok: O }).ok)
  }
}

/** The URL without its password, for messages and logs; a clear error for one that is not a PostgreSQL URL. */
function describeUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error('the database URL is not a URL (expected postgres://user@host:port/database)')
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`the database URL must start with postgres:// (got ${parsed.protocol}//)`)
  }
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

function reasonOf(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: Array<{ message?: string }> }
  // connection failures to every address of a host come as one AggregateError with no message of its own
  const message = e.message || e.errors?.map((inner) => inner.message).join('; ') || String(err)
  switch (e.code) {
    case 'ECONNREFUSED':
      return `nothing accepts connections there (${message})`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `unknown host (${message})`
    case '3D000':
      return `no such database (${message})`
    case '28P01':
    case '28000':
      return `authentication failed (${message})`
    default:
      return message
  }
}

