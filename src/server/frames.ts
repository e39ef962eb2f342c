/** Building outbound frames and parsing inbound ones at the boundary. */
import type { RawData } from 'ws'
import type { z } from 'zod'
import { type AckFrame, ClientFrame, type ErrorCode, type ErrorFrame } from '../shared/protocol'

export type OutboundAck = z.infer<typeof AckFrame>
export type OutboundError = z.infer<typeof ErrorFrame>
export type Reply = OutboundAck | OutboundError

export function errorFrame(code: ErrorCode, message: string, id?: string): OutboundError {
  return id === undefined ? { type: 'error', code, message } : { type: 'error', id, code, message }
}

export function ackFrame(id: string, ts: number, duplicate = false): OutboundAck {
  return duplicate ? { type: 'ack', id, ts, duplicate: true } : { type: 'ack', id, ts }
}

export type ParsedFrame = { ok: true; frame: ClientFrame } | { ok: false; id?: string; message: string }

/** The frame's `id` when one can be read, so even a rejected request can be matched to its error. */
function readableId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const id = (value as { id?: unknown }).id
  return typeof id === 'string' && id.length <= 64 ? id : undefined
}

function decode(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8')
  return data.toString('utf8')
}

export function parseClientFrame(data: RawData, isBinary: boolean): ParsedFrame {
  if (isBinary) return { ok: false, message: 'binary frames are not supported; send JSON text frames' }
  let raw: unknown
  try {
    raw = JSON.parse(decode(data))
  } catch {
    return { ok: false, message: 'the frame is not valid JSON' }
  }
  const id = readableId(raw)
  const parsed = ClientFrame.safeParse(raw)
  if (parsed.success) return { ok: true, frame: parsed.data }
  const issue = parsed.error.issues[0]
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
  const message = `${where}${issue?.message ?? 'not a valid frame'}`
  return id === undefined ? { ok: false, message } : { ok: false, id, message }
}

/** Only the id of a frame that will not be processed (e.g. rate limited). */
export function peekId(data: RawData, isBinary: boolean): string | undefined {
  if (isBinary) return undefined
  try {
    return readableId(JSON.parse(decode(data)))
  } catch {
    return undefined
  }
}
