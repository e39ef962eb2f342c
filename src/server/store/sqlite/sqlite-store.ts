/**
 * The embedded default store: one SQLite file in the data directory, opened by exactly
 * one server process. better-sqlite3 is synchronous, so every method runs its whole
 * transaction before returning; the async signatures are the contract a networked
 * engine needs.
 */
import type Database from 'better-sqlite3'
import { logger } from '../../../shared/log'
import type { Role } from '../../../shared/recall'
import type {
  AckResult,
  AppendMessageResult,
  ChatStore,
  CreateGroupResult,
  GroupChangeRequest,
  GroupChangeResult,
  GroupEventRecord,
  GroupRecord,
  MessageRecord,
  NewGroup,
  NewMessage,
  NewSession,
  SessionRecord,
  StoredEvent,
  TombstoneRecord,
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
import { selectEventsAfter } from './log'
import { appendMessage, selectMessage, selectTombstone, selectTombstoneByCmdId, withdrawMessage } from './messages'
import { type OpenOptions, openDatabase } from './open'

const log = logger('server.store.sqlite')
const CHECKPOINT_RETRY_MS = 100

export class SqliteStore implements ChatStore {
  private checkpointTimer: NodeJS.Timeout | null = null
  private closed = false

  constructor(private readonly db: Database.Database) {}

  static open(dataDir: string, options: OpenOptions = {}): SqliteStore {
    return new SqliteStore(openDatabase(dataDir, options))
  }

  async createUser(user: UserRecord): Promise<'created' | 'taken'> {
    return insertUser(this.db, user)
  }

  async findUser(username: string): Promise<UserRecord | null> {
    return selectUser(this.db, username)
  }

  async createSession(session: NewSession): Promise<{ replaced: SessionRecord[] }> {
    return { replaced: this.db.transaction(() => insertSession(this.db, session))() }
  }

  async findSessionByTokenHash(tokenHash: Buffer): Promise<SessionRecord | null> {
    return selectSessionByTokenHash(this.db, tokenHash)
  }

  async revokeSession(sessionId: string): Promise<SessionRecord | null> {
    return deleteSession(this.db, sessionId)
  }

  async revokeUserSessions(username: string): Promise<SessionRecord[]> {
    return deleteUserSessions(this.db, username)
  }

  async deviceCursor(username: string, deviceId: string): Promise<number> {
    return selectDeviceCursor(this.db, username, deviceId)
  }

  async ackDevice(ack: { username: string; deviceId: string; seq: number; now: number }): Promise<AckResult> {
    return this.db.transaction(() => ackDevice(this.db, ack))()
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
    return this.db.transaction(() => createGroup(this.db, group))()
  }

  async changeGroup(request: GroupChangeRequest): Promise<GroupChangeResult> {
    return this.db.transaction(() => changeGroup(this.db, request))()
  }

  async appendMessage(message: NewMessage): Promise<AppendMessageResult> {
    return this.db.transaction(() => appendMessage(this.db, message))()
  }

  async findMessage(id: string): Promise<MessageRecord | null> {
    return selectMessage(this.db, id)
  }

  async findTombstone(msgId: string): Promise<TombstoneRecord | null> {
    return selectTombstone(this.db, msgId)
  }

  async findTombstoneByCmdId(cmdId: string): Promise<TombstoneRecord | null> {
    return selectTombstoneByCmdId(this.db, cmdId)
  }

  async withdrawMessage(request: WithdrawRequest): Promise<WithdrawResult> {
    const result = this.db.transaction(() => withdrawMessage(this.db, request))()
    if (result.kind === 'withdrawn') this.scheduleCheckpoint()
    return result
  }

  async eventsAfter(username: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    return selectEventsAfter(this.db, username, afterSeq, limit)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.checkpointTimer) {
      clearTimeout(this.checkpointTimer)
      this.checkpointTimer = null
    }
    // closing the last connection checkpoints the WAL and removes it
    this.db.close()
  }

  /**
   * The withdrawn text is still in the WAL (the frames written before the delete) until a
   * checkpoint copies the zeroed pages back and truncates it. Withdraws in one burst share
   * one checkpoint.
   */
  private scheduleCheckpoint(delayMs = 0): void {
    if (this.checkpointTimer) return
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = null
      if (this.closed) return
      try {
        const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[]
        if (result?.busy) {
          log.warn('WAL checkpoint after withdraw was blocked; retrying')
          this.scheduleCheckpoint(CHECKPOINT_RETRY_MS)
        }
      } catch (err) {
        log.error({ err }, 'WAL checkpoint after withdraw failed')
      }
    }, delayMs)
  }
}
