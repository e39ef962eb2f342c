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
import { advanceCursor, setMeta, setRecallWindows, setSession } from '../../src/main/core/db/queries/meta'
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
  /** Timestamp of the newest message; the others are `stepMs` apart before it. */
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

export function buildProfile(dir: string, spec: ProfileSpec): BuiltProfile {
  mkdirSync(dir, { recursive: true })
  const db = openDatabase({ profileDir: dir })
  const { me, peers, count } = spec
  const step = spec.stepMs ?? 10
  const newest = spec.newestTs ?? Date.now() - 60_000
  const conversations = peers.map((peer) => directConversationId(me, peer))
  const fromFirstPeer: StoredMessageRef[] = []
  let newestId = ''
  const firstEvery = Math.max(1, Math.round(1 / (spec.firstShare ?? 0.5)))
  try {
    db.transaction(() => {
      conversations.forEach((id, c) =>
        ensureConversation(db, { id, kind: 'direct', peer: peers[c]!, title: peers[c]!, createdAt: newest - count * step }),
      )
      for (let i = 0; i < count; i++) {
        const c = peers.length === 1 || i % firstEvery === 0 ? 0 : 1 + (i % (peers.length - 1))
        const fromPeer = i % 3 !== 0
        const m = {
          id: newId(),
          conversationId: conversations[c]!,
          sender: fromPeer ? peers[c]! : me,
          text: chatText(i),
          ts: newest - (count - 1 - i) * step,
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
      setRecallWindows(db, { recallWindowSeconds: 0, adminRecallWindowSeconds: 0 })
      if (spec.session) {
        setMeta(db, 'deviceId', spec.session.deviceId)
        setSession(db, { token: spec.session.token, username: me })
      } else {
        advanceCursor(db, count)
      }
    })()
  } finally {
    db.close()
  }
  return { fromFirstPeer, newestId }
}
