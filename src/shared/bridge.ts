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
import { ConversationId, Id, MAX_REASON_LENGTH, MAX_TEXT_LENGTH } from './protocol'

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
  notice: WithdrawNotice | null
}

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

// ---------------------------------------------------------------- invoke calls

const Empty = z.object({}).strict()
const Credentials = z
  .object({ username: z.string().max(64), password: z.string().max(256) })
  .strict()
/** Phantom value carrying a result type in the contract (never read at run time). */
const returns = <T>(): T => undefined as unknown as T

const PageCursor = z.object({ ts: z.number(), id: z.string().max(64) }).strict()

/**
 * Every invoke call: `channel` is the IPC channel (`domain:verb-noun`), `args` the
 * schema main validates against, and the phantom `result` the value type.
 */
export const invokes = {
  getSession: { channel: 'session:get-state', args: Empty, result: returns<SessionView>() },
  signUp: { channel: 'session:sign-up', args: Credentials, result: returns<{ username: string }>() },
  signIn: { channel: 'session:sign-in', args: Credentials, result: returns<{ username: string }>() },
  signOut: { channel: 'session:sign-out', args: Empty, result: returns<null>() },
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
        limit: z.number().int().min(1).max(500).optional(),
      })
      .strict(),
    /** Oldest first. */
    result: returns<MessageView[]>(),
  },
  sendMessage: {
    channel: 'message:send-text',
    args: z
      .object({ conversationId: ConversationId, text: z.string().max(MAX_TEXT_LENGTH) })
      .strict(),
    result: returns<MessageView>(),
  },
  withdrawMessage: {
    channel: 'message:withdraw',
    args: z
      .object({ messageId: Id, reason: z.string().max(MAX_REASON_LENGTH).optional() })
      .strict(),
    result: returns<{ outcome: WithdrawOutcome }>(),
  },
  reEdit: {
    channel: 'message:re-edit',
    /** The id of the withdrawn message (which is also its notice's id). */
    args: z.object({ messageId: Id }).strict(),
    result: returns<{ text: string }>(),
  },
} as const

export type InvokeName = keyof typeof invokes
export type InvokeArgs<K extends InvokeName> = z.infer<(typeof invokes)[K]['args']>
export type InvokeResult<K extends InvokeName> = (typeof invokes)[K]['result']

// ---------------------------------------------------------------- main → renderer events

export interface BridgeEvents {
  'connection:changed': { state: ConnectionState; detail: string | null }
  'session:changed': { user: string | null }
  'conversation:changed': { conversation: ConversationView }
  'message:added': { message: MessageView }
  'message:updated': { message: MessageView }
  /** The message is gone; `notice` takes its place in the timeline. */
  'message:withdrawn': { conversationId: string; messageId: string; notice: MessageView }
  /** A queued withdraw was refused by the server once it could be sent. */
  'message:withdraw-failed': { messageId: string; error: BridgeError }
}
export type EventName = keyof BridgeEvents
export const eventNames: readonly EventName[] = [
  'connection:changed',
  'session:changed',
  'conversation:changed',
  'message:added',
  'message:updated',
  'message:withdrawn',
  'message:withdraw-failed',
]

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

/** Channel → invoke name, for hosts that receive channels on the wire. */
export const invokeByChannel: ReadonlyMap<string, InvokeName> = new Map(
  invokeNames.map((n) => [invokes[n].channel, n]),
)
