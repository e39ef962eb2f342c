import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref } from 'vue'
import type { BridgeError, ConnectionState, Result, SessionView, SyncProgress } from '../../../shared/bridge'
import { fail } from '../../../shared/bridge'
import { normalizeUsername, USERNAME_RE } from '../../../shared/protocol'
import { useBridge } from '../bridge/provide'
import { LINK_UP, type LinkStatus } from '../bridge/link'
import { DEFAULT_WITHDRAW_WINDOW_SECONDS } from '../../../shared/withdraw-rules'

export const MIN_PASSWORD_LENGTH = 8

/** Checks the renderer can make before asking main, so the user gets an answer at once. */
export function checkCredentials(username: string, password: string, forSignUp: boolean): BridgeError | null {
  if (!USERNAME_RE.test(username)) return { code: 'INVALID_USERNAME', message: 'invalid username' }
  if (forSignUp && password.length < MIN_PASSWORD_LENGTH) return { code: 'WEAK_PASSWORD', message: 'password too short' }
  return null
}

export const useSessionStore = defineStore('session', () => {
  const bridge = useBridge()

  /** False until the first getSession answered (or failed), so the UI can show a splash. */
  const ready = ref(false)
  const user = ref<string | null>(null)
  const connection = ref<ConnectionState>('connecting')
  const connectionDetail = ref<string | null>(null)
  const serverUrl = ref('')
  const recallWindowSeconds = ref(DEFAULT_WITHDRAW_WINDOW_SECONDS)
  const adminRecallWindowSeconds = ref(0)
  const serverClockOffsetMs = ref(0)
  const busy = ref(false)
  /** The renderer ↔ main link (only ever down in browser mode). */
  const link = ref<LinkStatus>(LINK_UP)
  /** Bumped when the link comes back after a drop: events may have been missed, so state is reloaded. */
  const resyncCount = ref(0)
  /** True when the last sign-out came from this window (so an unexpected one can be explained). */
  let signingOut = false
  const signedOutUnexpectedly = ref(false)
  /** A catch-up with the server long enough to show, while it runs (null otherwise). */
  const sync = ref<SyncProgress | null>(null)

  /** What the status indicator shows: a dead link to main means no server either. */
  const effectiveConnection = computed<ConnectionState>(() => {
    if (link.value.state === 'down') return 'offline'
    if (link.value.state === 'connecting') return 'connecting'
    return connection.value
  })

  function apply(view: SessionView): void {
    user.value = view.user
    connection.value = view.connection
    serverUrl.value = view.serverUrl
    recallWindowSeconds.value = view.recallWindowSeconds
    adminRecallWindowSeconds.value = view.adminRecallWindowSeconds
    serverClockOffsetMs.value = view.serverClockOffsetMs
  }

  async function load(): Promise<Result<SessionView>> {
    const result = await bridge.getSession({})
    if (result.ok) apply(result.value)
    ready.value = true
    return result
  }

  async function authenticate(kind: 'signIn' | 'signUp', rawUsername: string, password: string): Promise<Result<{ username: string }>> {
    const username = normalizeUsername(rawUsername)
    const invalid = checkCredentials(username, password, kind === 'signUp')
    if (invalid) return { ok: false, error: invalid }
    if (busy.value) return fail('INVALID_ARGUMENT', 'already signing in')
    busy.value = true
    try {
      const result = await bridge[kind]({ username, password })
      if (result.ok) {
        signedOutUnexpectedly.value = false
        user.value = result.value.username
        // Picks up the recall window and clock offset that came with the sign-in.
        await load()
      }
      return result
    } finally {
      busy.value = false
    }
  }

  const signIn = (username: string, password: string) => authenticate('signIn', username, password)
  const signUp = (username: string, password: string) => authenticate('signUp', username, password)

  async function endSession(kind: 'signOut' | 'signOutEverywhere'): Promise<Result<null>> {
    signingOut = true
    try {
      const result = await bridge[kind]({})
      if (result.ok) user.value = null
      return result
    } finally {
      signingOut = false
    }
  }

  const signOut = () => endSession('signOut')
  /** Every device of the account; needs the server (this device stays signed in when it cannot be reached). */
  const signOutEverywhere = () => endSession('signOutEverywhere')

  function setLink(status: LinkStatus): void {
    const wasDown = link.value.state !== 'up' && link.value.attempt > 0
    link.value = status
    if (status.state === 'up' && wasDown) {
      resyncCount.value += 1
      void load()
    }
  }

  const offs = [
    bridge.on('connection:changed', ({ state, detail }) => {
      const cameOnline = state === 'online' && connection.value !== 'online'
      connection.value = state
      connectionDetail.value = detail
      if (state !== 'online') sync.value = null
      // The server's welcome can change the recall window and the clock offset.
      if (cameOnline) void load()
    }),
    bridge.on('sync:progress', (progress) => {
      sync.value = progress.done ? null : progress
    }),
    bridge.on('session:changed', ({ user: next }) => {
      sync.value = null
      if (next === user.value) return
      if (next === null && user.value !== null && !signingOut) signedOutUnexpectedly.value = true
      user.value = next
      if (next !== null) void load()
    }),
  ]
  onScopeDispose(() => offs.forEach((off) => off()))

  return {
    ready,
    user,
    connection,
    connectionDetail,
    effectiveConnection,
    serverUrl,
    recallWindowSeconds,
    adminRecallWindowSeconds,
    serverClockOffsetMs,
    busy,
    link,
    resyncCount,
    signedOutUnexpectedly,
    sync,
    load,
    signIn,
    signUp,
    signOut,
    signOutEverywhere,
    setLink,
  }
})
