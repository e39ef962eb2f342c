/**
 * An in-memory ParleyBridge for renderer tests: every invoke is recorded and answered
 * by an overridable handler; `emit` plays a main → renderer event. Not shipped: only
 * test files import it.
 */
import {
  DEFAULT_SETTINGS,
  fail,
  ok,
  type BridgeEvents,
  type ConversationView,
  type EventName,
  type InvokeArgs,
  type InvokeName,
  type InvokeResult,
  type MessageView,
  type ParleyBridge,
  type Result,
  type SessionView,
} from '../../../shared/bridge'

type Handler<K extends InvokeName> = (args: InvokeArgs<K>) => Result<InvokeResult<K>> | Promise<Result<InvokeResult<K>>>
export type FakeHandlers = { [K in InvokeName]: Handler<K> }

export interface FakeCall {
  name: InvokeName
  args: unknown
}

export type FakeBridge = ParleyBridge & FakeBridgeExtras
interface FakeBridgeExtras {
  calls: FakeCall[]
  handlers: FakeHandlers
  emit<E extends EventName>(event: E, payload: BridgeEvents[E]): void
  callsTo(name: InvokeName): unknown[]
  listenerCount(event: EventName): number
}

export function sessionView(overrides: Partial<SessionView> = {}): SessionView {
  return {
    user: null,
    connection: 'online',
    serverUrl: 'ws://127.0.0.1:7800',
    recallWindowSeconds: 120,
    adminRecallWindowSeconds: 0,
    serverClockOffsetMs: 0,
    ...overrides,
  }
}

let seq = 0
/** A lowercase UUID-shaped id that sorts by creation, like the real UUIDv7 ids. */
export function fakeId(): string {
  seq += 1
  return `00000000-0000-7000-8000-${seq.toString(16).padStart(12, '0')}`
}

export function textMessage(overrides: Partial<MessageView> = {}): MessageView {
  const mine = overrides.mine ?? false
  return {
    id: fakeId(),
    conversationId: 'dm:alice:bob',
    sender: mine ? 'alice' : 'bob',
    mine,
    kind: 'text',
    text: 'hello',
    ts: Date.now(),
    state: mine ? 'delivered' : null,
    notice: null,
    ...overrides,
  }
}

export function noticeFor(
  message: MessageView,
  opts: { actor?: string; mine?: boolean; canReEdit?: boolean; reason?: string | null } = {},
): MessageView {
  return {
    ...message,
    kind: 'notice',
    text: null,
    state: null,
    mine: opts.mine ?? message.mine,
    notice: {
      type: 'withdrawn',
      actor: opts.actor ?? message.sender,
      author: message.sender,
      reason: opts.reason ?? null,
      canReEdit: opts.canReEdit ?? false,
    },
  }
}

export function conversationView(overrides: Partial<ConversationView> = {}): ConversationView {
  return {
    id: 'dm:alice:bob',
    kind: 'direct',
    peer: 'bob',
    title: 'bob',
    lastMessage: null,
    lastTs: 0,
    unread: 0,
    ...overrides,
  }
}

const notFaked = (name: string) => fail('INTERNAL', `${name} is not faked in this test`)

export function createFakeBridge(overrides: Partial<FakeHandlers> = {}): FakeBridge {
  const listeners = new Map<EventName, Set<(payload: never) => void>>()
  const calls: FakeCall[] = []
  const handlers: FakeHandlers = {
    getSession: () => ok(sessionView()),
    signUp: ({ username }) => ok({ username }),
    signIn: ({ username }) => ok({ username }),
    signOut: () => ok(null),
    listConversations: () => ok([]),
    openDirect: ({ username }) =>
      ok(conversationView({ id: `dm:${['alice', username].sort().join(':')}`, peer: username, title: username })),
    markRead: () => ok(null),
    listMessages: () => ok([]),
    sendMessage: ({ conversationId, text }) =>
      ok(textMessage({ conversationId, text, mine: true, sender: 'alice', state: 'sending' })),
    withdrawMessage: () => ok({ outcome: 'withdrawn' }),
    reEdit: () => ok({ text: 'original text' }),
    signOutEverywhere: () => ok(null),
    searchMessages: () => ok({ mode: 'empty', messages: [] }),
    getSettings: () => ok({ ...DEFAULT_SETTINGS }),
    updateSettings: (patch) => ok({ ...DEFAULT_SETTINGS, ...patch }),
    createGroup: () => notFaked('createGroup'),
    getGroup: () => notFaked('getGroup'),
    addMembers: () => notFaked('addMembers'),
    removeMember: () => notFaked('removeMember'),
    leaveGroup: () => notFaked('leaveGroup'),
    setRole: () => notFaked('setRole'),
    ...overrides,
  }
  const bridge: Record<string, unknown> = {}
  for (const name of Object.keys(handlers) as InvokeName[]) {
    bridge[name] = async (args: unknown) => {
      calls.push({ name, args })
      return (handlers[name] as (a: unknown) => unknown)(args)
    }
  }
  return Object.assign(bridge, {
    calls,
    handlers,
    on<E extends EventName>(event: E, listener: (payload: BridgeEvents[E]) => void) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener as (payload: never) => void)
      return () => {
        set.delete(listener as (payload: never) => void)
      }
    },
    emit<E extends EventName>(event: E, payload: BridgeEvents[E]) {
      for (const l of [...(listeners.get(event) ?? [])]) (l as (p: BridgeEvents[E]) => void)(payload)
    },
    callsTo(name: InvokeName) {
      return calls.filter((c) => c.name === name).map((c) => c.args)
    },
    listenerCount(event: EventName) {
      return listeners.get(event)?.size ?? 0
    },
  }) as unknown as FakeBridge
}
