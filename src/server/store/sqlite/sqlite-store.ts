/**
 * The embedded default store: one SQLite file in the data directory, opened by exactly
 * one server process. better-sqlite3 is synchronous: reads run when called; the async
 * signatures are the contract a networked engine needs.
 *
 * Writes are group-committed. Every commit waits for an fsync (synchronous = FULL: an
 * acknowledged message survives a power cut), which on ordinary disks costs milliseconds,
 * so one transaction per write capped the whole server at a few hundred writes a second.
 * Instead the writes that arrive during one turn of the event loop (from any number of
 * connections) run together in one transaction, each in its own savepoint, and share one
 * fsync; each caller's promise settles only after that commit, so nothing is acknowledged
 * or relayed before it is durable.
 */
import type Database from 'better-sqlite3'
import { CoalescedRuns } from '../../../node/coalesced'
import { truncateWalUntilDone } from '../../../node/sqlite/wal'
import type { Role } from '../../../shared/group-rules'
import type {
  AckResult,
  AppendMessageResult,
  ChatStore,
  CreateGroupResult,
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
import { persistCounters, selectEventsAfter } from './log'
import { appendMessage, withdrawMessage } from './messages'
import { type OpenOptions, openDatabase } from './open'

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

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown }

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

  constructor(private readonly db: Database.Database) {}

  static open(dataDir: string, options: OpenOptions = {}): SqliteStore {
    return new SqliteStore(openDatabase(dataDir, options))
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

  async ackDevice(ack: { username: string; deviceId: string; seq: number; now: number }): Promise<AckResult> {
    return this.write(() => ackDevice(this.db, ack))
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

  async appendMessage(message: NewMessage): Promise<AppendMessageResult> {
    return this.write(() => appendMessage(this.db, message))
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
    // writes already accepted are committed, not dropped
    while (this.pending.length > 0) this.commitPending()
    this.closed = true
    this.checkpoints.close()
    // closing the last connection checkpoints the WAL and removes it
    this.db.close()
  }

  /** Queues `work` for the next group commit; settles once that commit is durable. */
  private write<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the store is closed'))
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
    const outcomes: Outcome[] = []
    try {
      this.db.transaction(() => {
        for (const { work } of batch) {
          try {
            // a savepoint: a write that throws undoes only itself
            outcomes.push({ ok: true, value: this.db.transaction(work)() })
          } catch (err) {
            // SQLite rolled the whole transaction back (disk full, I/O error): nothing in it holds
            if (!this.db.inTransaction) throw err
            outcomes.push({ ok: false, err })
          }
        }
        persistCounters(this.db)
      })()
    } catch (err) {
      for (const write of batch) write.reject(err)
      return
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i]!
      if (outcome.ok) write.resolve(outcome.value)
      else write.reject(outcome.err)
    })
  }
}
