/**
 * Who may withdraw which message, and until when. Pure: the server enforces it with its
 * own clock, receiving clients re-check it against their own data (with a grace period
 * for clock skew and delivery delay), and the UI uses it to offer the action.
 *
 * The wire keeps the seed protocol's names (`REVOKE_FLAG`, `recallWindowSeconds`,
 * `RECALL_TIME_LIMIT`, `--recall-window-seconds`); everywhere else it is "withdraw".
 */
import { isModerator, type Role } from './group-rules'

export const DEFAULT_WITHDRAW_WINDOW_SECONDS = 120
/** 0 means unlimited, the default for owners and admins. */
export const DEFAULT_ADMIN_WITHDRAW_WINDOW_SECONDS = 0
/** Receivers accept a withdraw this long after the window closed: the server already checked it with its own clock. */
export const RECEIVER_GRACE_MS = 30_000

export interface WithdrawRequest {
  actor: string
  author: string
  /** The actor's role in the conversation, or null when not a member. 1:1 members are 'member'. */
  actorRole: Role | null
  /** Authoritative (server) timestamp of the message, ms. */
  messageTs: number
  /** When the withdraw happens (server clock on the server; the CMD's server ts on clients), ms. */
  now: number
  windowSeconds: number
  adminWindowSeconds: number
  graceMs?: number
}

export type WithdrawDecision =
  | { allowed: true; as: 'author' | 'admin' }
  | { allowed: false; code: 'NOT_MEMBER' | 'NOT_ALLOWED' | 'RECALL_TIME_LIMIT' }

function withinWindow(messageTs: number, now: number, windowSeconds: number, graceMs: number): boolean {
  return windowSeconds === 0 || now - messageTs <= windowSeconds * 1000 + graceMs
}

/**
 * The author, within the window; in a group also its owner and admins, within theirs
 * (unlimited by default). Anyone else, or anyone late, is refused with the code the
 * sender sees.
 */
export function decideWithdraw(req: WithdrawRequest): WithdrawDecision {
  const grace = req.graceMs ?? 0
  if (req.actorRole === null) return { allowed: false, code: 'NOT_MEMBER' }
  if (req.actor === req.author && withinWindow(req.messageTs, req.now, req.windowSeconds, grace)) {
    return { allowed: true, as: 'author' }
  }
  if (isModerator(req.actorRole)) {
    return withinWindow(req.messageTs, req.now, req.adminWindowSeconds, grace)
      ? { allowed: true, as: 'admin' }
      : { allowed: false, code: 'RECALL_TIME_LIMIT' }
  }
  return req.actor === req.author
    ? { allowed: false, code: 'RECALL_TIME_LIMIT' }
    : { allowed: false, code: 'NOT_ALLOWED' }
}

/** Milliseconds left to withdraw one's own message (Infinity when unlimited, 0 when passed). */
export function withdrawTimeLeftMs(messageTs: number, now: number, windowSeconds: number): number {
  if (windowSeconds === 0) return Number.POSITIVE_INFINITY
  return Math.max(0, messageTs + windowSeconds * 1000 - now)
}
