/**
 * The embedded default store: one SQLite file in the data directory, opened by exactly
 * one server process. better-sqlite3 is synchronous: reads run when called; the async
 * signatures are the contract a networked engine needs.
 *
 * Writes are group-committed: the writes that arrive during one turn of the event loop
 * (from any number of connections) run together in one transaction, each in its own
 * savepoint. The commit does not wait for the disk; one `fdatasync` of the WAL on the thread
 * pool then makes it durable (wal-sync.ts says why that is as safe as synchronous = FULL),
 * while the event loop goes on reading frames and committing the next turn's writes — one
 * sync covers every commit made before it began. Each caller's promise settles only after
 * such a sync, so nothing is acknowledged or relayed before it is durable, and the log is
 * read out to devices only up to what is durable (`selectEventsAfter`).
 */
import path from 'node:path'
import type Database from 'better-sqlite3'
import { CoalescedRuns } from '../../../node/coalesced'
import { logger } from '../../../shared/log'
import { truncateWalUntilDone } from '../../../node/sqlite/wal'
import type { Role } from '../../../shared/group-rules'
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
import { ackDevice } from './delivery'
import { changeGroup, createGroup, selectGroup, selectGroupEvent, selectMemberNames, selectRole } from './groups'
import { markDurable, persistCounters, selectEventsAfter } from './log'
import { appendMessage, withdrawMessage } from './messages'
import { DATABASE_FILE, type OpenOptions, openDatabase } from './open'
import { type WalSync, walFileSync } from './wal-sync'

const log = logger('server.store.sqlite')

/**
 * Withdraws within this long of the last checkpoint share the next one. A truncating
 * checkpoint costs several fsyncs (milliseconds on a disk) on the event loop's thread, and
 * a burst of withdraws (one every few ms) paid it once each, stalling every frame behind
 * it; the withdrawn text may stay in old WAL frames this much longer (the client core does
 * the same: src/main/core/db/cleanup.ts; both coalesce with src/node/coalesced.ts).
 */
const CHECKPOINT_COALESCE_MS = 50
/** Writes per group commit; more wait for the next one, so one commit never blocks for long. */
const MAX_GROUP_COMMIT = 256

interface PendingWrite {
  work: () => unknown
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
}

/** Committed, waiting for the WAL sync that makes it durable. */
interface CommittedWrite {
  write: PendingWrite
  value: unknown
}

interface BatchResult {
  committed: CommittedWrite[]
  failed: Array<{ write: PendingWrite; err: unknown }>
  /** The log heads the commit wrote. */
  heads: Map<string, number>
}

/** Commits since the last sync began: the log heads they wrote and the writes they hold. */
interface Unsynced {
  heads: Map<string, number>
  writes: CommittedWrite[]
}

export class SqliteStore implements ChatStore {
  /**
   * The withdrawn text is still in the WAL (the frames written before the delete) until a
   * checkpoint copies the zeroed pages back and truncates it: right after the commit, or,
   * within CHECKPOINT_COALESCE_MS of the last one, when that window ends.
   */
  private readonly checkpoints = new CoalescedRuns(CHECKPOINT_COALESCE_MS, (end) => {
    // in a turn of its own, so the answer to the withdraw goes out first
    setTimeout(() => {
      if (!this.closed) truncateWalUntilDone(this.db)
      end()
    }, 0)
  })
  private closed = false
  private pending: PendingWrite[] = []
  private commitScheduled = false
  private unsynced: Unsynced = { heads: new Map(), writes: [] }
  /** The WAL sync running now, if any. */
  private syncing: Promise<void> | null = null
  /** A failed WAL sync: what was committed may not be on disk, so nothing more is promised. */
  private broken: Error | null = null

  constructor(
    private readonly db: Database.Database,
    private readonly wal: WalSync,
  ) {}

  static open(dataDir: string, options: OpenOptions = {}): SqliteStore {
    return new SqliteStore(openDatabase(dataDir, options), walFileSync(path.join(dataDir, DATABASE_FILE)))
  }

  async createUser(user: UserRecord): Promise<'created' | 'taken'> {
    return this.write(() => insertUser(this.db, user))
  }

  async findUser(username: string): Promise<UserRecord | null> {
    return selectUser(this.db, username)
  }

  async createSession(session: NewSession): Promise<{ replaced: SessionRecord[] }> {
    return { replaced: await this.write(() => insertSession(this.db, session)) }
  }

  async findSessionByTokenHash(tokenHash: Buffer): Promise<SessionRecord | null> {
    return selectSessionByTokenHash(this.db, tokenHash)
  }

  async revokeSession(sessionId: string): Promise<SessionRecord | null> {
    return this.write(() => deleteSession(this.db, sessionId))
  }

  async revokeUserSessions(username: string): Promise<SessionRecord[]> {
    return this.write(() => deleteUserSessions(this.db, username))
  }

  async deviceCursor(username: string, deviceId: string): Promise<number> {
    return selectDeviceCursor(this.db, username, deviceId)
  }

  // Each item is a write of its own in the group commit (which puts a turn's writes in one
  // transaction anyway), so an item that throws undoes only itself.
  async ackDevices(acks: readonly DeviceAck[]): Promise<AckResult[]> {
    return Promise.all(acks.map((ack) => this.write(() => ackDevice(this.db, ack))))
  }

  // 1:1 membership is derived from the conversation id by the caller; only groups are stored.
  async rolesOf(conversationId: string, username: string): Promise<Role | null> {
    return selectRole(this.db, conversationId, username)
  }

  async membersOf(conversationId: string): Promise<string[]> {
    return selectMemberNames(this.db, conversationId)
  }

  async findGroup(conversationId: string): Promise<GroupRecord | null> {
    return this.db.transaction(() => selectGroup(this.db, conversationId))()
  }

  async findGroupEvent(id: string): Promise<GroupEventRecord | null> {
    return selectGroupEvent(this.db, id)
  }

  async createGroup(group: NewGroup): Promise<CreateGroupResult> {
    return this.write(() => createGroup(this.db, group))
  }

  async changeGroup(request: GroupChangeRequest): Promise<GroupChangeResult> {
    return this.write(() => changeGroup(this.db, request))
  }

  async appendMessages(messages: readonly NewMessage[]): Promise<AppendMessageResult[]> {
    return Promise.all(messages.map((message) => this.write(() => appendMessage(this.db, message))))
  }

  async withdrawMessage(request: WithdrawRequest): Promise<WithdrawResult> {
    const result = await this.write(() => withdrawMessage(this.db, request))
    if (result.kind === 'withdrawn') this.checkpoints.request()
    return result
  }

  async eventsAfter(username: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    return selectEventsAfter(this.db, username, afterSeq, limit)
  }

  async close(): Promise<void> {
    if (this.closed) return
    // writes already accepted are committed and made durable, not dropped
    while (this.pending.length > 0) this.commitPending()
    this.closed = true
    while (this.syncing) await this.syncing
    this.checkpoints.close()
    this.wal.close()
    // closing the last connection checkpoints the WAL and removes it
    this.db.close()
  }

  /** Queues `work` for the next group commit; settles once that commit is durable. */
  private write<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the store is closed'))
    if (this.broken) return Promise.reject(this.broken)
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject })
      this.scheduleCommit()
    })
  }

  private scheduleCommit(): void {
    if (this.commitScheduled) return
    this.commitScheduled = true
    // after the I/O phase: every frame read in this turn joins the same commit
    setImmediate(() => {
      this.commitScheduled = false
      this.commitPending()
      if (this.pending.length > 0) this.scheduleCommit()
    })
  }

  private commitPending(): void {
    const batch = this.pending.splice(0, MAX_GROUP_COMMIT)
    if (batch.length === 0) return
    let result: BatchResult
    try {
      result = this.runBatch(batch, { isolated: false })
    } catch {
      // A write threw, which undid the whole transaction: run the batch again with each
      // write in a savepoint of its own, so only the one that throws is undone. Savepoints
      // are not the default because SQLite copies every page a savepoint touches into its
      // subjournal first: with one per write they took a third of a message's cost.
      try {
        result = this.runBatch(batch, { isolated: true })
      } catch (err) {
        for (const write of batch) write.reject(err)
        return
      }
    }
    // a write that undid itself wrote nothing: its answer need not wait for the disk
    for (const { write, err } of result.failed) write.reject(err)
    for (const [username, seq] of result.heads) this.unsynced.heads.set(username, seq)
    this.unsynced.writes.push(...result.committed)
    this.syncSoon()
  }

  /** The writes in one transaction, in order; `isolated`: each in a savepoint, so one that throws undoes only itself. */
  private runBatch(batch: readonly PendingWrite[], { isolated }: { isolated: boolean }): BatchResult {
    const committed: CommittedWrite[] = []
    const failed: Array<{ write: PendingWrite; err: unknown }> = []
    const heads = this.db.transaction(() => {
      for (const write of batch) {
        if (!isolated) {
          committed.push({ write, value: write.work() })
          continue
        }
        try {
          committed.push({ write, value: this.db.transaction(write.work)() })
        } catch (err) {
          // SQLite rolled the whole transaction back (disk full, I/O error): nothing in it holds
          if (!this.db.inTransaction) throw err
          failed.push({ write, err })
        }
      }
      return persistCounters(this.db)
    })()
    return { committed, failed, heads }
  }

  /**
   * One WAL sync at a time, covering every commit made before it began; commits made while
   * it runs wait for the next one. Then the writes it covers settle and their log heads may
   * be read out.
   */
  private syncSoon(): void {
    if (this.syncing || this.unsynced.writes.length === 0) return
    const { heads, writes } = this.unsynced
    this.unsynced = { heads: new Map(), writes: [] }
    this.syncing = this.wal.sync().then(
      () => {
        markDurable(this.db, heads)
        for (const { write, value } of writes) write.resolve(value)
      },
      (err: unknown) => {
        // The kernel may have dropped the pages it could not write: what was committed is
        // not known to be on disk, now or later, so nothing more is promised from this
        // process; a restart recovers from what the WAL holds.
        this.broken = new Error(`the server database could not be synced to disk (${(err as Error).message}); restart the server`)
        log.error({ err }, 'WAL sync failed; refusing writes until restarted')
        for (const { write } of [...writes, ...this.unsynced.writes]) write.reject(this.broken)
        this.unsynced = { heads: new Map(), writes: [] }
      },
    )
    void this.syncing.finally(() => {
      this.syncing = null
      if (!this.broken) this.syncSoon()
    })
  }
}
