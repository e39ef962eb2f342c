/**
 * The bridge contract between the renderer and the main process, declared once.
 *
 * - Electron: main registers one `ipcMain.handle` per invoke channel, typed by this
 *   contract, validating the argument with its zod schema; the preload builds one
 *   invoker per entry and exposes them as `window.parley` (never raw ipcRenderer).
 * - Browser mode: the same handlers are carried over a token-protected WebSocket.
 *
 * Every invoke resolves to a `Result`: errors cross the bridge as typed values, not
 * as exceptions that Electron would flatten into strings.
 */
import { z } from 'zod'
import { ConversationId, GroupConversationId, GroupRole, Id, MAX_GROUP_MEMBERS, MAX_REASON_LENGTH, MAX_TEXT_LENGTH, wellFormed } from './protocol'
import type { Role } from './group-rules'

// ---------------------------------------------------------------- results and errors

export const BridgeErrorCode = z.enum([
  'INVALID_ARGUMENT', // the renderer sent something that does not match the contract
  'BAD_CREDENTIALS',
  'USERNAME_TAKEN',
  'WEAK_PASSWORD',
  'INVALID_USERNAME',
  'USER_NOT_FOUND',
  'NOT_SIGNED_IN',
  'SERVER_UNREACHABLE',
  'OFFLINE',
  'RATE_LIMITED',
  'NOT_FOUND',
  'NOT_ALLOWED',
  'GROUP_FULL', // adding them would pass MAX_GROUP_MEMBERS
  'RECALL_TIME_LIMIT',
  'REEDIT_EXPIRED',
  'DISK_FULL',
  'INTERNAL',
])
export type BridgeErrorCode = z.infer<typeof BridgeErrorCode>

export interface BridgeError {
  code: BridgeErrorCode
  message: string
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: BridgeError }

export const ok = <T>(value: T): Result<T> => ({ ok: true, value })
export const fail = <T = never>(code: BridgeErrorCode, message: string): Result<T> => ({
  ok: false,
  error: { code, message },
})

// ---------------------------------------------------------------- views shared with the renderer

export type ConnectionState = 'online' | 'connecting' | 'offline'
export type DeliveryState = 'sending' | 'sent' | 'delivered' | 'failed'

export interface WithdrawNotice {
  type: 'withdrawn'
  /** Who withdrew it (the author, or in groups an admin). */
  actor: string
  /** Who wrote the withdrawn message. */
  author: string
  reason: string | null
  /** True on the device that withdrew it while the original text is still kept for Re-edit. */
  canReEdit: boolean
}

/** A membership or role change in a group, shown in the timeline like a withdraw notice. */
export interface GroupNotice {
  type: 'group-created' | 'member-added' | 'member-removed' | 'member-left' | 'role-changed'
  /** Who made the change (for 'member-left', the member who left). */
  actor: string
  /**
   * Whom it concerns: the members added (or, for 'group-created', the members the group
   * started with besides its creator), the member removed or who left, the member whose
   * role changed.
   */
  members: string[]
  /** The new role, for 'role-changed' ('owner' when ownership was handed over). */
  role: Role | null
}

export type NoticeView = WithdrawNotice | GroupNotice

export interface GroupMemberView {
  username: string
  role: Role
}

export interface GroupView {
  conversationId: string
  name: string
  /** Current members: the owner first, then admins, then members, each by name. */
  members: GroupMemberView[]
  /** My role, or null once I left or was removed (what I have stays readable). */
  myRole: Role | null
}

export interface MessageView {
  id: string
  conversationId: string
  sender: string
  mine: boolean
  kind: 'text' | 'notice'
  /** Null for notices. */
  text: string | null
  /** Server timestamp (ms); the local send time while still unacknowledged. */
  ts: number
  /** Delivery state of my own text messages; null otherwise. */
  state: DeliveryState | null
  /** Set on notices: a withdraw ('withdrawn') or a group change. */
  notice: NoticeView | null
  /**
   * The message this one replies to, resolved on this device from the quoted message's own
   * row each time (never a copy kept with the reply): once that message is withdrawn every
   * quote of it says so. Null (or absent) when this is not a reply.
   */
  replyTo?: QuoteView | null
}

export interface QuoteView {
  /** The quoted message's id. */
  id: string
  /** 'withdrawn': show "Original message was withdrawn"; 'missing': this device does not have it. */
  state: 'available' | 'withdrawn' | 'missing'
  /** Author of the quoted message, while available. */
  sender: string | null
  /** The start of the quoted text, while available. */
  text: string | null
}

/**
 * How a search ran: `index` (trigram index, terms of 3+ characters), `scan` (only short
 * terms, matched within one conversation), `too-short` (only short terms and no
 * conversation: nothing searched), `empty` (no terms).
 */
export type SearchMode = 'index' | 'scan' | 'too-short' | 'empty'

export interface SearchResult {
  mode: SearchMode
  /** Matching text messages, newest first. */
  messages: MessageView[]
}

export const LANGUAGES = ['en', 'zh-CN'] as const
export type Language = (typeof LANGUAGES)[number]
export const LanguageSetting = z.enum(['system', ...LANGUAGES])
/** How others' withdrawals look: a notice row in the timeline, or nothing at all. */
export const WithdrawDisplay = z.enum(['notice', 'silent'])
export const ThemeSetting = z.enum(['system', 'light', 'dark'])
/** A server address for the desktop app's next start: ws:// or wss://, host and port. */
export const ServerUrlSetting = z
  .string()
  .max(300)
  .regex(/^wss?:\/\/[^\s/?#]+\/?$/, 'a server address looks like ws://host:port')

/** Preferences of this profile (this device), kept in its database; they survive sign-out. */
export interface Settings {
  language: z.infer<typeof LanguageSetting>
  withdrawDisplay: z.infer<typeof WithdrawDisplay>
  theme: z.infer<typeof ThemeSetting>
  notifications: boolean
  /** Server for the desktop app's next start when none is given on the command line; null: the default. */
  serverUrl: string | null
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  language: 'system',
  withdrawDisplay: 'notice',
  theme: 'system',
  notifications: true,
  serverUrl: null,
})

export const SettingsPatch = z
  .object({
    language: LanguageSetting.optional(),
    withdrawDisplay: WithdrawDisplay.optional(),
    theme: ThemeSetting.optional(),
    notifications: z.boolean().optional(),
    serverUrl: ServerUrlSetting.nullable().optional(),
  })
  .strict()
export type SettingsPatch = z.infer<typeof SettingsPatch>

/** Desktop menu and tray actions the renderer carries out (the menu owns their shortcuts there). */
export const MENU_COMMANDS = [
  'new-chat',
  'search',
  'settings',
  'about',
  'next-conversation',
  'previous-conversation',
  'jump-to-newest',
] as const
export type MenuCommand = (typeof MENU_COMMANDS)[number]

export interface ConversationView {
  id: string
  kind: 'direct' | 'group'
  /** The other person in a 1:1 chat. */
  peer: string | null
  title: string
  lastMessage: MessageView | null
  /** Timestamp used to sort the list, most recent first. */
  lastTs: number
  unread: number
  /** Groups: how many members it has now (the title is the group's name). */
  memberCount?: number
}

export interface SessionView {
  /** Signed-in username, or null on the sign-in screen. */
  user: string | null
  connection: ConnectionState
  serverUrl: string
  recallWindowSeconds: number
  adminRecallWindowSeconds: number
  /** Difference server clock minus local clock (ms), so the UI can show time left to withdraw. */
  serverClockOffsetMs: number
}

export type WithdrawOutcome = 'withdrawn' | 'cancelled' | 'queued'

/**
 * How far a catch-up with the server is. The server does not say how many events wait for
 * this device, so progress is told in events applied and in how far (in server time) they
 * reach towards the moment this connection began.
 */
export interface SyncProgress {
  /** Events applied since this catch-up began. */
  applied: number
  /** Server time of the first and of the newest event applied so far (ms). */
  from: number
  upTo: number
  /** Server time when this connection began: the catch-up is about what happened before it. */
  until: number
  /** The catch-up is over (the last progress event of this catch-up). */
  done: boolean
}

/** How far from `from` to `until` a catch-up reached, 0-1 (1 once done). */
export function syncFraction(p: SyncProgress): number {
  if (p.done) return 1
  const span = p.until - p.from
  return span <= 0 ? 0 : Math.min(1, Math.max(0, (p.upTo - p.from) / span))
}

// ---------------------------------------------------------------- invoke calls

const Empty = z.object({}).strict()
const Credentials = z
  .object({ username: z.string().max(64), password: z.string().max(256) })
  .strict()
/** Phantom value carrying a result type in the contract (never read at run time). */
const returns = <T>(): T => undefined as unknown as T

const PageCursor = z.object({ ts: z.number(), id: z.string().max(64) }).strict()
export const MAX_SEARCH_QUERY_LENGTH = 200

/**
 * Every invoke call: `channel` is the IPC channel (`domain:verb-noun`), `args` the
 * schema main validates against, and the phantom `result` the value type.
 */
export const invokes = {
  getSession: { channel: 'session:get-state', args: Empty, result: returns<SessionView>() },
  signUp: { channel: 'session:sign-up', args: Credentials, result: returns<{ username: string }>() },
  signIn: { channel: 'session:sign-in', args: Credentials, result: returns<{ username: string }>() },
  signOut: { channel: 'session:sign-out', args: Empty, result: returns<null>() },
  /** Revokes every session of the account on the server (all devices), then signs out here. */
  signOutEverywhere: { channel: 'session:sign-out-everywhere', args: Empty, result: returns<null>() },
  listConversations: {
    channel: 'conversation:list-all',
    args: Empty,
    result: returns<ConversationView[]>(),
  },
  openDirect: {
    channel: 'conversation:open-direct',
    args: z.object({ username: z.string().min(1).max(64) }).strict(),
    result: returns<ConversationView>(),
  },
  markRead: {
    channel: 'conversation:mark-read',
    args: z.object({ conversationId: ConversationId }).strict(),
    result: returns<null>(),
  },
  listMessages: {
    channel: 'message:list-page',
    args: z
      .object({
        conversationId: ConversationId,
        /** Page of messages strictly older than this; newest page when absent. */
        before: PageCursor.optional(),
        /** Page of messages strictly newer than this (after jumping back in history). */
        after: PageCursor.optional(),
        /** A page with this message in the middle (a search result in context); NOT_FOUND when it is not there. */
        around: Id.optional(),
        limit: z.number().int().min(1).max(500).optional(),
      })
      .strict(),
    /** Oldest first. */
    result: returns<MessageView[]>(),
  },
  sendMessage: {
    channel: 'message:send-text',
    args: z
      .object({
        conversationId: ConversationId,
        // stored as the other members will get it (see wellFormed)
        text: z.string().overwrite(wellFormed).max(MAX_TEXT_LENGTH),
        /** Reply to this message of the same conversation (it must not be withdrawn). */
        replyTo: Id.optional(),
      })
      .strict(),
    result: returns<MessageView>(),
  },
  searchMessages: {
    channel: 'message:search',
    args: z
      .object({
        query: z.string().max(MAX_SEARCH_QUERY_LENGTH),
        /** Search one conversation only. */
        conversationId: ConversationId.optional(),
        limit: z.number().int().min(1).max(200).optional(),
      })
      .strict(),
    result: returns<SearchResult>(),
  },
  withdrawMessage: {
    channel: 'message:withdraw',
    args: z
      .object({ messageId: Id, reason: z.string().overwrite(wellFormed).max(MAX_REASON_LENGTH).optional() })
      .strict(),
    result: returns<{ outcome: WithdrawOutcome }>(),
  },
  reEdit: {
    channel: 'message:re-edit',
    /** The id of the withdrawn message (which is also its notice's id). */
    args: z.object({ messageId: Id }).strict(),
    result: returns<{ text: string }>(),
  },
  getSettings: { channel: 'settings:get-all', args: Empty, result: returns<Settings>() },
  updateSettings: { channel: 'settings:update', args: SettingsPatch, result: returns<Settings>() },
  createGroup: {
    channel: 'group:create',
    /** `members`: the others, as typed (lowercased and trimmed in main); the creator becomes the owner. */
    args: z
      .object({ name: z.string().overwrite(wellFormed).max(256), members: z.array(z.string().max(64)).max(MAX_GROUP_MEMBERS) })
      .strict(),
    result: returns<ConversationView>(),
  },
  getGroup: {
    channel: 'group:get',
    args: z.object({ conversationId: GroupConversationId }).strict(),
    result: returns<GroupView>(),
  },
  /** The group changes below answer with the group as it stands once the server applied the change. */
  addMembers: {
    channel: 'group:add-members',
    args: z
      .object({ conversationId: GroupConversationId, usernames: z.array(z.string().max(64)).min(1).max(MAX_GROUP_MEMBERS) })
      .strict(),
    result: returns<GroupView>(),
  },
  removeMember: {
    channel: 'group:remove-member',
    args: z.object({ conversationId: GroupConversationId, username: z.string().max(64) }).strict(),
    result: returns<GroupView>(),
  },
  leaveGroup: {
    channel: 'group:leave',
    args: z.object({ conversationId: GroupConversationId }).strict(),
    result: returns<GroupView>(),
  },
  /** Owner only; `role: 'owner'` hands the group over (the old owner becomes an admin). */
  setRole: {
    channel: 'group:set-role',
    args: z.object({ conversationId: GroupConversationId, username: z.string().max(64), role: GroupRole }).strict(),
    result: returns<GroupView>(),
  },
} as const

export type InvokeName = keyof typeof invokes
export type InvokeArgs<K extends InvokeName> = z.infer<(typeof invokes)[K]['args']>
export type InvokeResult<K extends InvokeName> = (typeof invokes)[K]['result']

// ---------------------------------------------------------------- main → renderer events

/**
 * Every main → renderer event, declared once like `invokes`: the name is the IPC channel
 * (and the browser-mode frame's `name`), the phantom value its payload type. Names, the
 * payload map and the discriminated union below are all derived from this table, so an
 * event declared here is known to the preload, the web bridge and every handler.
 */
export const events = {
  'connection:changed': returns<{ state: ConnectionState; detail: string | null }>(),
  'session:changed': returns<{ user: string | null }>(),
  'conversation:changed': returns<{ conversation: ConversationView }>(),
  'message:added': returns<{ message: MessageView }>(),
  'message:updated': returns<{ message: MessageView }>(),
  /** The message is gone; `notice` takes its place in the timeline. */
  'message:withdrawn': returns<{ conversationId: string; messageId: string; notice: MessageView }>(),
  /** A queued withdraw was refused by the server once it could be sent. */
  'message:withdraw-failed': returns<{ messageId: string; error: BridgeError }>(),
  /** A group's members or roles changed (its notice comes as `message:added`). */
  'group:changed': returns<{ group: GroupView }>(),
  'settings:changed': returns<{ settings: Settings }>(),
  /**
   * Catching up with the server after being away: `applied` of the `total` events the
   * server holds for this device so far. Sent while a long catch-up runs and once when it
   * is done (`applied === total`), so the UI can show how far it is.
   */
  'sync:progress': returns<SyncProgress>(),
  /** From the desktop host: a notification (or the tray) asks to show this conversation. */
  'ui:open-conversation': returns<{ conversationId: string; messageId: string | null }>(),
  /** From the desktop host: a menu item or its shortcut was used. */
  'ui:menu-command': returns<{ command: MenuCommand }>(),
} as const

export type BridgeEvents = { -readonly [E in keyof typeof events]: (typeof events)[E] }
export type EventName = keyof BridgeEvents
export const eventNames = Object.keys(events) as readonly EventName[]

/** One event as a value, a discriminated union on `name`: a `switch` narrows the payload. */
export type BridgeEvent = { [E in EventName]: { name: E; payload: BridgeEvents[E] } }[EventName]

/** The `(name, payload)` an EmitEvent receives, as one BridgeEvent. */
export function bridgeEvent<E extends EventName>(name: E, payload: BridgeEvents[E]): BridgeEvent {
  // TypeScript does not tie a generic name to its payload inside a union; the signature does.
  return { name, payload } as BridgeEvent
}

// ---------------------------------------------------------------- the two sides

/** What main implements: one async handler per invoke, arguments already validated. */
export type BridgeHandlers = {
  [K in InvokeName]: (args: InvokeArgs<K>) => Promise<Result<InvokeResult<K>>>
}

/** What main uses to tell the renderer. */
export type EmitEvent = <E extends EventName>(event: E, payload: BridgeEvents[E]) => void

/** What the renderer sees as `window.parley`. */
export type ParleyBridge = {
  [K in InvokeName]: (args: InvokeArgs<K>) => Promise<Result<InvokeResult<K>>>
} & {
  /** Subscribe to a main → renderer event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void
}

export const invokeNames = Object.keys(invokes) as InvokeName[]

/**
 * Validate and dispatch one invoke, the same way for IPC and browser mode.
 * Garbage from the renderer becomes INVALID_ARGUMENT; a handler that throws becomes
 * INTERNAL (the caller logs it) instead of a lost exception.
 */
export async function dispatchInvoke(
  handlers: BridgeHandlers,
  name: string,
  rawArgs: unknown,
  onError: (err: unknown) => void,
): Promise<Result<unknown>> {
  if (!Object.hasOwn(invokes, name)) return fail('INVALID_ARGUMENT', `unknown call: ${String(name).slice(0, 64)}`)
  const entry = invokes[name as InvokeName]
  const parsed = entry.args.safeParse(rawArgs ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return fail('INVALID_ARGUMENT', `${name}: ${issue?.path.join('.') || 'args'}: ${issue?.message ?? 'invalid'}`)
  }
  try {
    const handler = handlers[name as InvokeName] as (a: unknown) => Promise<Result<unknown>>
    return await handler(parsed.data)
  } catch (err) {
    onError(err)
    return fail('INTERNAL', 'something went wrong in Parley; the error was logged')
  }
}
