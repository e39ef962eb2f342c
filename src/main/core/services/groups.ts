/**
 * Groups on this device. The roster follows the server's `group` events: each is applied
 * in one transaction that moves every member's role spans (so later withdraws are judged
 * by the role held at their time) and puts a notice in the timeline. Group ops go to the
 * server, which decides; the caller gets the group as it stands once the change is back.
 */
import { fail, ok, type ConversationView, type GroupView, type Result } from '../../../shared/bridge'
import { refusedBy } from '../../../shared/errors'
import type { Role } from '../../../shared/group-rules'
import { newId } from '../../../shared/ids'
import { logger } from '../../../shared/log'
import {
  type GroupEvent,
  type GroupOp,
  MAX_GROUP_MEMBERS,
  MAX_GROUP_NAME_LENGTH,
  normalizeUsername,
  Username,
} from '../../../shared/protocol'
import { commit, type CoreContext, type Effects } from '../context'
import { ensureConversation, setConversationTitle } from '../db/queries/conversations'
import { applyRoster, currentMembers } from '../db/queries/groups'
import { getMessage, insertGroupNotice, type GroupNoticeType } from '../db/queries/messages'
import type { Connection } from '../net/connection'
import { Waiters, type PendingRequests } from '../net/requests'
import { conversationView, groupView, messageView, touchConversation } from '../views'
import { isMember } from './membership'

const log = logger('core.groups')

/** How long a group op waits for the server's answer, and then for its event. */
const ANSWER_TIMEOUT_MS = 15_000

type ChangeOp = Exclude<GroupOp, { kind: 'create' }>

const NOTICE_TYPES: Record<GroupEvent['change']['type'], GroupNoticeType> = {
  created: 'group-created',
  added: 'member-added',
  removed: 'member-removed',
  left: 'member-left',
  'role-changed': 'role-changed',
}

/**
 * Inside the inbound unit of work. Idempotent by event id (its notice row); the server
 * sends a group's events only to members before or after each change.
 */
export function applyGroupEvent(ctx: CoreContext, fx: Effects, ev: GroupEvent, me: string): void {
  const { db } = ctx
  const where = { eventId: ev.id, conversationId: ev.conversationId, actor: ev.from, change: ev.change.type }
  if (getMessage(db, ev.id)) {
    log.debug(where, 'group event already applied')
    return
  }
  if (!ev.group.members.some((m) => m.username === me) && !isMember(db, ev.conversationId, me)) {
    log.warn(where, 'event of a group I am not in; ignored')
    return
  }
  ensureConversation(db, { id: ev.conversationId, kind: 'group', peer: null, title: ev.group.name, createdAt: ev.ts })
  setConversationTitle(db, ev.conversationId, ev.group.name)
  applyRoster(db, ev.conversationId, ev.group.members, ev.ts)
  insertGroupNotice(db, {
    id: ev.id,
    conversationId: ev.conversationId,
    actor: ev.from,
    type: NOTICE_TYPES[ev.change.type],
    members: concerned(ev),
    role: ev.change.type === 'role-changed' ? ev.change.role : null,
    ts: ev.ts,
  })
  fx.emit('message:added', { message: messageView(ctx, getMessage(db, ev.id)!, me) })
  fx.emit('group:changed', { group: groupView(ctx, ev.conversationId, me)! })
  touchConversation(ctx, fx, ev.conversationId, me)
  log.info(where, 'group event applied')
}

function concerned(ev: GroupEvent): string[] {
  switch (ev.change.type) {
    case 'created':
      return ev.group.members.map((m) => m.username).filter((u) => u !== ev.from)
    case 'added':
      return ev.change.usernames
    case 'removed':
    case 'left':
    case 'role-changed':
      return [ev.change.username]
  }
}

export class GroupService {
  /** Ops whose `group` event this device waits for, by op id (the event carries the op's id). */
  private readonly applied = new Waiters<true>()

  constructor(
    private readonly ctx: CoreContext,
    private readonly connection: () => Connection,
    private readonly requests: PendingRequests,
  ) {}

  async create(args: { name: string; members: string[] }): Promise<Result<ConversationView>> {
    const { ctx } = this
    const me = ctx.me()
    if (!me) return fail('NOT_SIGNED_IN', 'sign in first')
    const name = args.name.trim()
    if (name === '' || name.length > MAX_GROUP_NAME_LENGTH) {
      return fail('INVALID_ARGUMENT', `a group name has 1-${MAX_GROUP_NAME_LENGTH} characters`)
    }
    const members = usernames(args.members)
    if (!members.ok) return members
    const others = members.value.filter((u) => u !== me)
    if (others.length + 1 > MAX_GROUP_MEMBERS) return fail('INVALID_ARGUMENT', `a group has at most ${MAX_GROUP_MEMBERS} members`)

    const conversationId = `g:${newId()}`
    const opId = newId()
    const applied = this.applied.wait(opId, ANSWER_TIMEOUT_MS)
    const answer = await this.request(opId, { kind: 'create', conversationId, name, members: others })
    if (!answer.ok) {
      this.applied.settle(opId, null)
      return answer
    }
    // The `created` event, with the roster, follows the ack on the same socket.
    if (!getMessage(ctx.db, opId)) await applied
    if (!ctx.db.open || ctx.me() !== me) return fail('NOT_SIGNED_IN', 'signed out meanwhile')
    // Normally there already; if the event is late (the link dropped), the group shows by name until it comes.
    const view = commit(ctx, (fx) => {
      if (ensureConversation(ctx.db, { id: conversationId, kind: 'group', peer: null, title: name, createdAt: answer.value })) {
        touchConversation(ctx, fx, conversationId, me)
      }
      return conversationView(ctx, conversationId, me)!
    })
    return ok(view)
  }

  async addMembers(args: { conversationId: string; usernames: string[] }): Promise<Result<GroupView>> {
    const names = usernames(args.usernames)
    if (!names.ok) return names
    return this.change({ kind: 'add', conversationId: args.conversationId, usernames: names.value })
  }

  async removeMember(args: { conversationId: string; username: string }): Promise<Result<GroupView>> {
    return this.change({ kind: 'remove', conversationId: args.conversationId, username: normalizeUsername(args.username) })
  }

  async leave(args: { conversationId: string }): Promise<Result<GroupView>> {
    return this.change({ kind: 'leave', conversationId: args.conversationId })
  }

  async setRole(args: { conversationId: string; username: string; role: Role }): Promise<Result<GroupView>> {
    return this.change({
      kind: 'set-role',
      conversationId: args.conversationId,
      username: normalizeUsername(args.username),
      role: args.role,
    })
  }

  async get(args: { conversationId: string }): Promise<Result<GroupView>> {
    const me = this.ctx.me()
    if (!me) return fail('NOT_SIGNED_IN', 'sign in first')
    const view = groupView(this.ctx, args.conversationId, me)
    return view ? ok(view) : fail('NOT_FOUND', 'no such group')
  }

  /** A group event was committed (called after its transaction). */
  onApplied(eventId: string): void {
    this.applied.settle(eventId, true)
  }

  /** The socket went away: an event still awaited comes with the replay, not to this caller. */
  onDisconnect(): void {
    this.applied.cancelAll()
  }

  private async change(op: ChangeOp): Promise<Result<GroupView>> {
    const { ctx } = this
    const me = ctx.me()
    if (!me) return fail('NOT_SIGNED_IN', 'sign in first')
    if (!groupView(ctx, op.conversationId, me)) return fail('NOT_FOUND', 'no such group')
    if ('username' in op && !Username.safeParse(op.username).success) {
      return fail('INVALID_USERNAME', 'usernames are 3-32 characters: a-z, 0-9, _')
    }
    if (!changesAnything(ctx, op)) return ok(groupView(ctx, op.conversationId, me)!)

    const opId = newId()
    const applied = this.applied.wait(opId, ANSWER_TIMEOUT_MS)
    const answer = await this.request(opId, op)
    if (!answer.ok) {
      this.applied.settle(opId, null)
      return answer
    }
    // The event follows the ack on the same socket; the server acks a change that turned out
    // to be none (the roster here was behind) without one, hence the timeout.
    if (!getMessage(ctx.db, opId)) await applied
    if (!ctx.db.open || ctx.me() !== me) return fail('NOT_SIGNED_IN', 'signed out meanwhile')
    return ok(groupView(ctx, op.conversationId, me)!)
  }

  private async request(opId: string, op: GroupOp): Promise<Result<number>> {
    const link = this.connection()
    if (!link.ready) return fail('OFFLINE', 'you are offline: group changes need the server')
    const reply = await this.requests.ask(link, { type: 'group', id: opId, op }, (r) => r, ANSWER_TIMEOUT_MS)
    if (!reply || reply.type === 'lookup-result') return fail('OFFLINE', 'the server did not answer')
    if (reply.type === 'error') {
      log.info({ op: op.kind, conversationId: op.conversationId, code: reply.code }, 'group op refused')
      return refusedBy(reply)
    }
    log.info({ op: op.kind, conversationId: op.conversationId }, 'group op accepted')
    return ok(reply.ts)
  }
}

/** Whether the op would change the roster this device holds (an unchanged one needs no round trip). */
function changesAnything(ctx: CoreContext, op: ChangeOp): boolean {
  const members = new Map(currentMembers(ctx.db, op.conversationId).map((m) => [m.username, m.role]))
  switch (op.kind) {
    case 'add':
      return op.usernames.some((u) => !members.has(u))
    case 'set-role':
      return members.get(op.username) !== op.role
    case 'remove':
    case 'leave':
      // a refusal (not a member, not allowed) is the server's to give
      return true
  }
}

function usernames(raw: readonly string[]): Result<string[]> {
  const names = [...new Set(raw.map(normalizeUsername))]
  const bad = names.find((u) => !Username.safeParse(u).success)
  if (bad !== undefined) return fail('INVALID_USERNAME', `not a username: ${bad.slice(0, 40)}`)
  return ok(names)
}
