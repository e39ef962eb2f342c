/**
 * Bus messages as they travel between nodes: JSON, checked on the way in. Anything on the
 * wire may be stale, foreign or broken (another version of the server, a stray publisher),
 * so a message that does not parse is dropped, and an `events` list that does not check
 * out is dropped on its own: the notice still says how far the log goes, and the
 * connection reads the events from the store, the source of truth.
 */
import { z } from 'zod'
import { ServerEvent } from '../../shared/protocol'
import type { StoredEvent } from '../store/types'
import type { BusMessage } from './types'

const Seq = z.number().int().nonnegative()

const WireMessage = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('events'), seq: Seq, events: z.array(z.object({ seq: Seq, event: z.unknown() })).optional() }),
  z.object({ kind: z.literal('sessions-revoked'), sessionIds: z.array(z.string()) }),
  z.object({ kind: z.literal('device-connected'), deviceId: z.string(), helloId: z.string() }),
  z.object({ kind: z.literal('resync') }),
])

/**
 * The message as bytes no larger than `maxBytes`; without its `events` list when that
 * does not fit (the log has them). Null when even that is too large.
 */
export function encodeBusMessage(message: BusMessage, maxBytes: number): Uint8Array | null {
  let bytes = Buffer.from(JSON.stringify(message))
  if (bytes.length > maxBytes && message.kind === 'events' && message.events) {
    bytes = Buffer.from(JSON.stringify({ kind: 'events', seq: message.seq } satisfies BusMessage))
  }
  return bytes.length > maxBytes ? null : bytes
}

export type Decoded = { ok: true; message: BusMessage } | { ok: false; why: string }

export function decodeBusMessage(bytes: Uint8Array): Decoded {
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
  } catch {
    return { ok: false, why: 'not JSON' }
  }
  const parsed = WireMessage.safeParse(json)
  if (!parsed.success) return { ok: false, why: `not a bus message: ${parsed.error.issues[0]?.message ?? 'invalid'}` }
  const message = parsed.data
  if (message.kind !== 'events') return { ok: true, message }
  const events = message.events && checkedEvents(message.seq, message.events)
  return { ok: true, message: events ? { kind: 'events', seq: message.seq, events } : { kind: 'events', seq: message.seq } }
}

/** The events when they are well-formed, consecutive and end at `seq` (what a connection may send as is), else null. */
function checkedEvents(seq: number, raw: ReadonlyArray<{ seq: number; event: unknown }>): StoredEvent[] | null {
  if (raw.length === 0 || raw[raw.length - 1]!.seq !== seq) return null
  const events: StoredEvent[] = []
  for (const [i, item] of raw.entries()) {
    if (i > 0 && item.seq !== raw[i - 1]!.seq + 1) return null
    const event = ServerEvent.safeParse(item.event)
    if (!event.success) return null
    events.push({ seq: item.seq, event: event.data })
  }
  return events
}
