/**
 * Client profiles with a large history, built directly (one transaction) with the core's
 * own migrations and query functions, so a million messages take seconds rather than
 * hours of real traffic. What they hold is what real traffic would have left: text
 * messages with their search entries, conversations with previews and unread counts.
 */
import { mkdirSync } from 'node:fs'
import { openDatabase } from '../../src/main/core/db/open'
import { ensureConversation, refreshConversationSummary } from '../../src/main/core/db/queries/conversations'
import { insertTextMessage } from '../../src/main/core/db/queries/messages'
import { rebuildIndexByAge, RECENT_INDEX_MS } from '../../src/main/core/db/queries/search-index'
import { advanceCursor, setMeta, setWithdrawWindows, setSession } from '../../src/main/core/db/queries/meta'
import { newId } from '../../src/shared/ids'
import { directConversationId } from '../../src/shared/protocol'
import { chatText } from './sender'

export interface ProfileSpec {
  me: string
  /** The other person of each 1:1 conversation; the first holds `firstShare` of the messages. */
  peers: string[]
  count: number
  firstShare?: number
  /** Each conversation is read up to its last this many messages. */
  unreadPerConversation?: number
  /** Timestamp of the newest message; the others `stepMs` apart before it when given, else a busy last hour after a year of history. */
  newestTs?: number
  stepMs?: number
  /** Signed in: the profile resumes this session when the core starts. */
  session?: { token: string; deviceId: string }
}

export interface StoredMessageRef {
  id: string
  rowId: number
  conversationId: string
  sender: string
  ts: number
}

export interface BuiltProfile {
  /** Messages of the first conversation written by its peer, oldest first. */
  fromFirstPeer: StoredMessageRef[]
  newestId: string
}

const YEAR_MS = 365 * 24 * 3600 * 1000
const RECENT_TAIL = 2_000
const TAIL_STEP_MS = 2_000

export function buildProfile(dir: string, spec: ProfileSpec): BuiltProfile {
  mkdirSync(dir, { recursive: true })
  const db = openDatabase({ profileDir: dir })
  const { me, peers, count } = spec
  // By default the last RECENT_TAIL messages are a busy last hour or so and the rest a year
  // of history before it, as for a real user: the search index's recent partition then
  // holds those and the archive the rest (withdrawn messages are among the newest).
  const tail = Math.min(count, RECENT_TAIL)
  const oldStep = Math.max(10, Math.floor(YEAR_MS / Math.max(1, count - tail)))
  const ageOf = (fromNewest: number): number =>
    spec.stepMs !== undefined
      ? fromNewest * spec.stepMs
      : fromNewest < tail
        ? fromNewest * TAIL_STEP_MS
        : tail * TAIL_STEP_MS + (fromNewest - tail + 1) * oldStep
  const newest = spec.newestTs ?? Date.now() - 60_000
  const conversations = peers.map((peer) => directConversationId(me, peer))
  const fromFirstPeer: StoredMessageRef[] = []
  let newestId = ''
  const firstEvery = Math.max(1, Math.round(1 / (spec.firstShare ?? 0.5)))
  try {
    db.transaction(() => {
      conversations.forEach((id, c) =>
        ensureConversation(db, { id, kind: 'direct', peer: peers[c]!, title: peers[c]!, createdAt: newest - ageOf(count) }),
      )
      for (let i = 0; i < count; i++) {
        const c = peers.length === 1 || i % firstEvery === 0 ? 0 : 1 + (i % (peers.length - 1))
        const fromPeer = i % 3 !== 0
        const m = {
          id: newId(),
          conversationId: conversations[c]!,
          sender: fromPeer ? peers[c]! : me,
          text: chatText(i),
          ts: newest - ageOf(count - 1 - i),
          state: fromPeer ? null : ('delivered' as const),
        }
        const rowId = insertTextMessage(db, m)
        newestId = m.id
        if (c === 0 && fromPeer) fromFirstPeer.push({ id: m.id, rowId, conversationId: m.conversationId, sender: m.sender, ts: m.ts })
      }
      for (const id of conversations) {
        db.prepare(
          `UPDATE conversations SET read_ts = coalesce((SELECT ts FROM messages WHERE conversation_id = ?
             ORDER BY ts DESC LIMIT 1 OFFSET ?), 0) WHERE id = ?`,
        ).run(id, spec.unreadPerConversation ?? 0, id)
        refreshConversationSummary(db, id, me)
      }
      setWithdrawWindows(db, { recallWindowSeconds: 0, adminRecallWindowSeconds: 0 })
      if (spec.session) {
        setMeta(db, 'deviceId', spec.session.deviceId)
        setSession(db, { token: spec.session.token, username: me })
      } else {
        advanceCursor(db, count)
      }
    })()
    // Messages were indexed as new ones are (all in `recent`); put the old ones in the
    // archive, where the rollover would have moved them over time.
    rebuildIndexByAge(db, newest - RECENT_INDEX_MS)
  } finally {
    db.close()
  }
  return { fromFirstPeer, newestId }
}
