/**
 * Parley wire protocol, version 1: JSON frames over one WebSocket.
 *
 * Every inbound frame is parsed at the boundary by one of the two unions below
 * (`ClientFrame` on the server, `ServerFrame` on the client). Anything that does
 * not parse gets an `error` frame with a code, carrying the request id when one
 * could be read. `docs/protocol.md` is the prose version of this file.
 */
import { z } from 'zod'
import { ROLES } from './group-rules'

export const PROTOCOL_VERSION = 1

/** Hard limit on one frame, enforced by ws `maxPayload` on both ends. */
export const MAX_FRAME_BYTES = 64 * 1024
/** Longest message text in UTF-16 code units; keeps a frame well under MAX_FRAME_BYTES. */
export const MAX_TEXT_LENGTH = 10_000
export const MAX_REASON_LENGTH = 200

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** Client-generated ids (UUIDv7 in practice, any lowercase UUID accepted). */
export const Id = z.string().regex(UUID_RE, 'expected a lowercase UUID')

export const USERNAME_RE = /^[a-z0-9_]{3,32}$/
export const Username = z.string().regex(USERNAME_RE, 'usernames are 3-32 characters: a-z, 0-9, _')
/** Usernames are lowercase on the wire; people type them any way they like (compared lowercased and trimmed). */
export function normalizeUsername(raw: string): string {
  return raw.trim().toLowerCase()
}
export const Password = z.string().min(8, 'passwords have at least 8 characters').max(256)

/**
 * Conversation ids are known to both ends without a round trip:
 * `dm:<a>:<b>` for a 1:1 chat (the two usernames, sorted), `g:<uuid>` for a group.
 */
export const ConversationId = z
  .string()
  .max(80)
  .regex(/^(dm:[a-z0-9_]{3,32}:[a-z0-9_]{3,32}|g:[0-9a-f-]{36})$/, 'malformed conversation id')

export function directConversationId(a: string, b: string): string {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`
}

/** The two members of a 1:1 conversation id, or null for a group id. */
export function directMembers(conversationId: string): [string, string] | null {
  const m = /^dm:([a-z0-9_]{3,32}):([a-z0-9_]{3,32})$/.exec(conversationId)
  return m ? [m[1]!, m[2]!] : null
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * Lone UTF-16 surrogates are not text, and UTF-8 storage cannot keep them: SQLite hands
 * each back as three U+FFFD, so a 10,000-unit text would come back as 30,000 (beyond
 * MAX_TEXT_LENGTH and MAX_FRAME_BYTES: every member's client would refuse the event on
 * every replay). Free text is therefore made well-formed where it is parsed, each lone
 * surrogate becoming one U+FFFD (String.prototype.toWellFormed, which is ES2024).
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD')
}

export const Text = z.string().overwrite(wellFormed).min(1).max(MAX_TEXT_LENGTH)

// ---------------------------------------------------------------- groups

export const MAX_GROUP_NAME_LENGTH = 64
/** Members of one group, owner included. Keeps a roster well inside one frame. */
export const MAX_GROUP_MEMBERS = 200

const GROUP_ID_RE = /^g:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** `g:<uuid>`, chosen by the client that creates the group. */
export const GroupConversationId = z.string().regex(GROUP_ID_RE, 'group ids are g:<lowercase uuid>')

export function isGroupConversationId(conversationId: string): boolean {
  return GROUP_ID_RE.test(conversationId)
}

export const GroupRole = z.enum(ROLES)
export const GroupName = z
  .string()
  .overwrite(wellFormed)
  .max(MAX_GROUP_NAME_LENGTH)
  .refine((name) => name.trim().length > 0, 'a group needs a name')

export const GroupMember = z.object({ username: Username, role: GroupRole })
export type GroupMember = z.infer<typeof GroupMember>

/** A group as it stands after a change: every member with their role. */
export const GroupRoster = z.object({
  name: GroupName,
  members: z.array(GroupMember).max(MAX_GROUP_MEMBERS),
})
export type GroupRoster = z.infer<typeof GroupRoster>
export const ChatType = z.enum(['Chat', 'GroupChat'])
export type ChatType = z.infer<typeof ChatType>

/** 'Chat' for 1:1 conversations, 'GroupChat' for groups: a CMD's chatType must agree with its conversation id. */
export function chatTypeOf(conversationId: string): ChatType {
  return directMembers(conversationId) ? 'Chat' : 'GroupChat'
}

/** The seed protocol's withdraw action. */
export const REVOKE_FLAG = 'REVOKE_FLAG'

export const RevokeExt = z.object({
  msgId: Id,
  reason: z.string().overwrite(wellFormed).max(MAX_REASON_LENGTH).optional(),
})

// ---------------------------------------------------------------- client → server

export const HelloFrame = z.object({
  type: z.literal('hello'),
  v: z.number().int(),
  client: z.string().max(64).optional(),
})

export const SendFrame = z.object({
  type: z.literal('send'),
  id: Id,
  conversationId: ConversationId,
  text: Text,
  /**
   * The message this one replies to. Relayed as is: clients resolve the quote from their
   * own copy of that message (same conversation only), so a withdraw of it shows in every quote.
   */
  replyTo: Id.optional(),
})

/** Pass-through command message (CMD). Never stored as a message by clients. */
export const CmdFrame = z.object({
  type: z.literal('cmd'),
  id: Id,
  conversationId: ConversationId,
  chatType: ChatType,
  action: z.literal(REVOKE_FLAG),
  ext: RevokeExt,
})

/** Cumulative delivery acknowledgement: every event with seq <= `seq` is committed on this device. */
export const ReceivedFrame = z.object({
  type: z.literal('received'),
  seq: z.number().int().nonnegative(),
})

export const LookupFrame = z.object({
  type: z.literal('lookup'),
  id: Id,
  username: z.string().max(64),
})

/**
 * Group management. The creator becomes the owner; owners and admins add and remove
 * members; only the owner changes roles, and `role: 'owner'` hands ownership over (the old
 * owner becomes an admin). Answered with `ack` (or `error`); the change itself reaches
 * every affected member as a `group` event.
 */
export const GroupOp = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('create'),
    conversationId: GroupConversationId,
    name: GroupName,
    /** The other members; the creator is added as owner. */
    members: z.array(Username).max(MAX_GROUP_MEMBERS - 1),
  }),
  z.object({
    kind: z.literal('add'),
    conversationId: GroupConversationId,
    usernames: z.array(Username).min(1).max(MAX_GROUP_MEMBERS),
  }),
  z.object({ kind: z.literal('remove'), conversationId: GroupConversationId, username: Username }),
  z.object({ kind: z.literal('leave'), conversationId: GroupConversationId }),
  z.object({ kind: z.literal('set-role'), conversationId: GroupConversationId, username: Username, role: GroupRole }),
])
export type GroupOp = z.infer<typeof GroupOp>

export const GroupFrame = z.object({
  type: z.literal('group'),
  id: Id,
  op: GroupOp,
})
export type GroupFrame = z.infer<typeof GroupFrame>

export const ClientFrame = z.discriminatedUnion('type', [
  HelloFrame,
  SendFrame,
  CmdFrame,
  ReceivedFrame,
  LookupFrame,
  GroupFrame,
])
export type ClientFrame = z.infer<typeof ClientFrame>
export type SendFrame = z.infer<typeof SendFrame>
export type CmdFrame = z.infer<typeof CmdFrame>

// ---------------------------------------------------------------- server → client

export const ErrorCode = z.enum([
  'BAD_FRAME', // did not parse as JSON or as any frame
  'UNSUPPORTED_VERSION',
  'HELLO_REQUIRED', // a frame before the handshake
  'TOO_LARGE',
  'RATE_LIMITED',
  'NOT_MEMBER', // the actor is not in that conversation
  'USER_NOT_FOUND', // 1:1 with a username that does not exist
  'NOT_FOUND', // withdraw of a message the server does not know
  'NOT_ALLOWED', // withdraw by someone who is neither author nor admin
  'RECALL_TIME_LIMIT', // withdraw window passed
  'WITHDRAWN', // resend of a message that was withdrawn
  'ID_CONFLICT', // an id already used for something else
  'GROUP_FULL', // adding members would pass MAX_GROUP_MEMBERS
  'INTERNAL',
])
export type ErrorCode = z.infer<typeof ErrorCode>

export const WelcomeFrame = z.object({
  type: z.literal('welcome'),
  v: z.number().int(),
  username: Username,
  deviceId: Id,
  serverTime: z.number(),
  recallWindowSeconds: z.number().int().nonnegative(),
  adminRecallWindowSeconds: z.number().int().nonnegative(),
})

/** The server took a `send` or `cmd`; `ts` is the authoritative server timestamp (ms). */
export const AckFrame = z.object({
  type: z.literal('ack'),
  id: Id,
  ts: z.number(),
  duplicate: z.boolean().optional(),
})

export const ErrorFrame = z.object({
  type: z.literal('error'),
  id: z.string().max(64).optional(),
  code: ErrorCode,
  message: z.string(),
})

export const LookupResultFrame = z.object({
  type: z.literal('lookup-result'),
  id: Id,
  username: z.string(),
  found: z.boolean(),
})

export const MessageEvent = z.object({
  kind: z.literal('message'),
  id: Id,
  conversationId: ConversationId,
  from: Username,
  ts: z.number(),
  text: Text,
  /** See SendFrame.replyTo. */
  replyTo: Id.optional(),
})

/**
 * A relayed CMD. `from` is the authenticated actor (stamped by the server, never
 * taken from the client); `target` is what the server knew of the withdrawn
 * message, so a device that never got the message can still show the notice.
 */
export const CmdEvent = z.object({
  kind: z.literal('cmd'),
  id: Id,
  conversationId: ConversationId,
  chatType: ChatType,
  from: Username,
  ts: z.number(),
  action: z.literal(REVOKE_FLAG),
  ext: RevokeExt,
  target: z.object({ from: Username, ts: z.number() }),
})

export const ReceiptEvent = z.object({
  kind: z.literal('receipt'),
  msgId: Id,
  conversationId: ConversationId,
  state: z.literal('delivered'),
  ts: z.number(),
})

/** What one group event changed; `group` on the event has the resulting roster. */
export const GroupChange = z.discriminatedUnion('type', [
  z.object({ type: z.literal('created') }),
  z.object({ type: z.literal('added'), usernames: z.array(Username).min(1) }),
  z.object({ type: z.literal('removed'), username: Username }),
  z.object({ type: z.literal('left'), username: Username }),
  z.object({ type: z.literal('role-changed'), username: Username, role: GroupRole }),
])
export type GroupChange = z.infer<typeof GroupChange>

/**
 * A membership or role change, appended to the log of every member before and after it
 * (so a removed member's last event of that group is their removal). `from` is the
 * authenticated actor; `id` is the client's op id; `group` is the whole roster after the
 * change, so a member who was just added learns the group from this one event.
 */
export const GroupEvent = z.object({
  kind: z.literal('group'),
  id: Id,
  conversationId: GroupConversationId,
  from: Username,
  ts: z.number(),
  change: GroupChange,
  group: GroupRoster,
})
export type GroupEvent = z.infer<typeof GroupEvent>

export const ServerEvent = z.discriminatedUnion('kind', [MessageEvent, CmdEvent, ReceiptEvent, GroupEvent])
export type ServerEvent = z.infer<typeof ServerEvent>
export type MessageEvent = z.infer<typeof MessageEvent>
export type CmdEvent = z.infer<typeof CmdEvent>
export type ReceiptEvent = z.infer<typeof ReceiptEvent>

/** One entry of the user's ordered log; `seq` increases per user, with gaps where withdrawn messages were purged. */
export const EventFrame = z.object({
  type: z.literal('event'),
  seq: z.number().int().positive(),
  event: ServerEvent,
})

export const ServerFrame = z.discriminatedUnion('type', [
  WelcomeFrame,
  AckFrame,
  ErrorFrame,
  LookupResultFrame,
  EventFrame,
])
export type ServerFrame = z.infer<typeof ServerFrame>
export type EventFrame = z.infer<typeof EventFrame>
export type WelcomeFrame = z.infer<typeof WelcomeFrame>

// ---------------------------------------------------------------- HTTP (accounts and sessions)

/** POST /v1/accounts (sign-up) and POST /v1/sessions (sign-in) take this body. */
export const CredentialsBody = z.object({
  username: Username,
  password: Password,
  deviceId: Id,
})
export type CredentialsBody = z.infer<typeof CredentialsBody>

/** 200/201 response: an opaque bearer token for `Authorization: Bearer` on the WebSocket upgrade. */
export const SessionResponse = z.object({
  token: z.string().min(32),
  username: Username,
})
export type SessionResponse = z.infer<typeof SessionResponse>

export const HttpErrorCode = z.enum([
  'BAD_REQUEST',
  'BAD_CREDENTIALS',
  'USERNAME_TAKEN',
  'UNAUTHORIZED',
  'FORBIDDEN', // the request came from a web page (an Origin header that is not allowed)
  'RATE_LIMITED',
  'NOT_FOUND',
  'INTERNAL',
])
export type HttpErrorCode = z.infer<typeof HttpErrorCode>
export const HttpErrorBody = z.object({
  error: z.object({ code: HttpErrorCode, message: z.string() }),
})

// ---------------------------------------------------------------- close codes

/** WebSocket close codes the server uses; clients decide on reconnecting by them (see docs/protocol.md). */
export const CloseCode = {
  /** Server shutting down: reconnect with backoff. */
  GOING_AWAY: 1001,
  /** Unsupported protocol version: do not reconnect without upgrading. */
  PROTOCOL_ERROR: 1002,
  /** Sent by ws itself when a frame exceeds MAX_FRAME_BYTES. */
  MESSAGE_TOO_BIG: 1009,
  /** The same device connected again; this older connection is done (do not fight over it). */
  REPLACED: 4000,
  /** The session was revoked (signed out): sign in again. */
  SESSION_REVOKED: 4001,
  /** No `hello` within the handshake timeout. */
  HELLO_TIMEOUT: 4002,
} as const

/** WebSocket endpoint path; HTTP endpoints live beside it under /v1. */
export const WS_PATH = '/v1/ws'
