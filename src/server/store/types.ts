/**
 * The server's storage contract. Protocol code talks only to this interface, so a
 * networked engine (PostgreSQL, ...) can replace the embedded SQLite store without
 * touching it. Every method is one unit of work: it either happens completely or not
 * at all, and a method that changes several things (a message and every member's log)
 * does so atomically.
 *
 * Timestamps: methods that create something assign a server timestamp (ms) that is unique
 * and increasing within its conversation, even across restarts and within one millisecond.
 * The embedded store takes the caller's `now` and assigns `max(now, last + 1)` from one
 * store-wide clock; a networked store shared by several nodes ignores `now` and uses the
 * database's clock instead (per conversation), so nodes with skewed clocks agree.
 *
 * Batches: the hot writes (`appendMessages`, `ackDevices`) take everything that arrived in
 * one turn of the event loop at once (server/turn-writes.ts collects it), so an engine can
 * write a turn's messages with one statement per table and one commit: one fsync for
 * SQLite, one round trip per statement for a networked engine. Each item is still decided
 * on its own, in order, and gets its own result; the promise rejects only when the batch
 * could not be written (then none of it was, or each item was undone alone).
 *
 * Durability: a write's promise settles only once it is durable, and `eventsAfter` never
 * returns an event that is not: nothing is acknowledged or relayed before it is on disk.
 */
import type { ChatType, GroupChange, GroupMember, ServerEvent } from '../../shared/protocol'
import type { Role } from '../../shared/group-rules'
import type { WithdrawDecision } from '../../shared/withdraw-rules'
import type { SharedThrottle } from '../throttle'

export interface UserRecord {
  username: string
  /** PHC-style string carrying algorithm, parameters, salt and key (see passwords.ts). */
  passwordHash: string
  createdAt: number
}

export interface SessionRecord {
  /** Public session id: safe to log and to publish; the token itself is never stored. */
  id: string
  username: string
  deviceId: string
  createdAt: number
}

export interface NewSession extends SessionRecord {
  /** sha256 of the bearer token. */
  tokenHash: Buffer
}

/** One entry of a user's ordered log. */
export interface StoredEvent {
  seq: number
  event: ServerEvent
}

/** An event appended to `username`'s log at `seq`: what fan-out sends to that user's devices. */
export interface Delivery extends StoredEvent {
  username: string
}

/** What the server knows of a message in history (the text is never needed to decide anything). */
export interface MessageRecord {
  id: string
  conversationId: string
  sender: string
  ts: number
}

/** What remains of a withdrawn message. */
export interface TombstoneRecord {
  msgId: string
  conversationId: string
  author: string
  /** Server timestamp of the withdrawn message. */
  messageTs: number
  withdrawnBy: string
  withdrawnAt: number
  /** Id of the CMD that withdrew it. */
  cmdId: string
  chatType: ChatType
  reason: string | null
}

export interface NewMessage {
  id: string
  conversationId: string
  sender: string
  text: string
  /** The message this one replies to (relayed, not interpreted). */
  replyTo?: string | null
  /** Every member of the conversation, sender included: each gets a `message` event. */
  members: readonly string[]
  /** For a group: the roster version `members` was read at; a newer one makes the result `stale`. */
  groupVersion?: number
  now: number
}

// Outcomes shared by the writes below.
/** Written, at server time `ts`; `deliveries` are the events appended to members' logs. */
type Written<K extends string> = { kind: K; ts: number; deliveries: Delivery[] }
/** The same request again (same id, same actor, same conversation): nothing was written. */
type Duplicate = { kind: 'duplicate'; ts: number }
/** The id is already used by something else. Nothing was written. */
type IdConflict = { kind: 'id-conflict' }
/** The group changed since the roster version the caller decided on: decide again. Nothing was written. */
type Stale = { kind: 'stale' }

export type AppendMessageResult =
  | Written<'appended'>
  | Duplicate
  /** The id belongs to a message its author withdrew: it must not come back. */
  | { kind: 'withdrawn' }
  | IdConflict
  | Stale

export interface WithdrawRequest {
  msgId: string
  conversationId: string
  /** The authenticated actor. */
  by: string
  cmdId: string
  chatType: ChatType
  reason: string | null
  /** Members who receive the `cmd` event. */
  members: readonly string[]
  /** For a group: the roster version the actor's role was read at (see NewMessage). */
  groupVersion?: number
  now: number
  /**
   * May `by` withdraw this message? Asked inside the write, with the message as it is
   * stored there, and nothing is written unless it allows: what is decided on is what is
   * deleted, and the message is read once. `now` is the store's clock, the one that stamped
   * the message (the request's `now` for SQLite, the database's clock for PostgreSQL), so
   * the window is measured on one clock even when server nodes' clocks disagree.
   */
  authorize(message: MessageRecord, now: number): WithdrawDecision
}

export type WithdrawResult =
  | { kind: 'withdrawn'; tombstone: TombstoneRecord; deliveries: Delivery[]; as: 'author' | 'admin' }
  /** `authorize` refused: nothing was written. */
  | { kind: 'refused'; decision: WithdrawDecision & { allowed: false } }
  /** It is withdrawn already (by this command, or another one). */
  | { kind: 'already-withdrawn'; tombstone: TombstoneRecord }
  /** No such message in that conversation. */
  | { kind: 'not-found' }
  | IdConflict
  | Stale

/** A group as it stands. Members are in the order they joined. */
export interface GroupRecord {
  conversationId: string
  name: string
  /** Goes up with every change of the roster. */
  version: number
  members: GroupMember[]
}

/** A group change event as stored (the log's `group` events are built from it). */
export interface GroupEventRecord {
  id: string
  conversationId: string
  actor: string
  ts: number
}

export interface NewGroup {
  /** Id of the client's `create` op, which becomes the id of the `created` event. */
  opId: string
  conversationId: string
  name: string
  /** Every member with their role, the creator as owner. Each gets the `created` event. */
  members: readonly GroupMember[]
  actor: string
  now: number
}

/** `id-conflict`: the op id or the conversation id is already taken. */
export type CreateGroupResult = Written<'created'> | Duplicate | IdConflict

export interface GroupChangeRequest {
  opId: string
  conversationId: string
  actor: string
  change: GroupChange
  /** The whole roster after the change (authorization was decided by the caller). */
  members: readonly GroupMember[]
  /** Who gets the `group` event: members before and after the change. */
  audience: readonly string[]
  /** The roster version the change was decided on. */
  basedOn: number
  now: number
}

/** `stale`: the group changed since `basedOn`, or is gone. */
export type GroupChangeResult = Written<'changed'> | Duplicate | IdConflict | Stale

export interface DeviceAck {
  username: string
  deviceId: string
  /** The highest seq the device committed. */
  seq: number
  now: number
}

export interface AckResult {
  /** The device's cursor after the ack (never lower than before). */
  cursor: number
  /** `receipt` events appended to senders' logs for messages delivered for the first time. */
  deliveries: Delivery[]
}

export interface ChatStore {
  // ---------------------------------------------------------------- accounts
  /** 'taken' when the username exists already. */
  createUser(user: UserRecord): Promise<'created' | 'taken'>
  findUser(username: string): Promise<UserRecord | null>

  // ---------------------------------------------------------------- sessions and devices
  /**
   * Stores a session and registers its device (cursor 0 when new). A device holds one
   * session at a time: earlier sessions of the same user and device are revoked and
   * returned, so their sockets can be closed.
   */
  createSession(session: NewSession): Promise<{ replaced: SessionRecord[] }>
  findSessionByTokenHash(tokenHash: Buffer): Promise<SessionRecord | null>
  /** The revoked session, or null when it did not exist. */
  revokeSession(sessionId: string): Promise<SessionRecord | null>
  /** Every revoked session of that user. */
  revokeUserSessions(username: string): Promise<SessionRecord[]>
  /** Highest seq this device acknowledged (0 when it never did). */
  deviceCursor(username: string, deviceId: string): Promise<number>
  /**
   * Cumulative acks, one result each: moves the device's cursor forward (never back, never
   * past the log's end) and, per sender and conversation of the messages from others that
   * the ack newly covers, appends one `receipt` mark to the sender's log when it goes
   * beyond what was marked delivered before.
   */
  ackDevices(acks: readonly DeviceAck[]): Promise<AckResult[]>

  // ---------------------------------------------------------------- conversations
  /** Role in a group conversation; null when not a member or no such group (1:1 chats are not stored). */
  rolesOf(conversationId: string, username: string): Promise<Role | null>
  /** Members of a group conversation; [] when unknown. */
  membersOf(conversationId: string): Promise<string[]>
  findGroup(conversationId: string): Promise<GroupRecord | null>
  findGroupEvent(id: string): Promise<GroupEventRecord | null>
  /** Stores the group and its members and appends the `created` event to every member's log. */
  createGroup(group: NewGroup): Promise<CreateGroupResult>
  /**
   * Applies a membership or role change if the group is still at `basedOn`, and appends
   * one `group` event to the log of everyone in `audience`.
   */
  changeGroup(request: GroupChangeRequest): Promise<GroupChangeResult>

  // ---------------------------------------------------------------- messages and the per-user log
  /** Each deduplicated by id, then stored with a `message` event in every member's log; one result each, in order. */
  appendMessages(messages: readonly NewMessage[]): Promise<AppendMessageResult[]>
  /**
   * Deletes the message from history and its `message` events from every log,
   * records the tombstone and appends a `cmd` event to every member's log. Withdrawn
   * content is not kept anywhere by the store afterwards.
   */
  withdrawMessage(request: WithdrawRequest): Promise<WithdrawResult>
  /** Up to `limit` events of the user's log with seq > `afterSeq`, in order. */
  eventsAfter(username: string, afterSeq: number, limit: number): Promise<StoredEvent[]>

  /**
   * The sign-in and sign-up throttles of every node sharing this store (a networked
   * engine); absent for a store only one process opens, whose node throttles in memory.
   */
  sharedThrottle?(): SharedThrottle

  close(): Promise<void>
}
