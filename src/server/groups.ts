/**
 * `group` frames: creating a group and changing its members and roles. The change is
 * planned on the roster as read, then applied by the store only if nobody changed the
 * group in between (otherwise planned again), and reaches every affected member as one
 * `group` event in their log.
 */
import { logger } from '../shared/log'
import type { GroupFrame, GroupMember, GroupOp } from '../shared/protocol'
import { type Actor, type ChatContext, publishDeliveries } from './context'
import { onCurrentRoster, STALE } from './conversations'
import { ackFrame, errorFrame, type Reply } from './frames'
import { type ChangeOp, planGroupChange } from './group-plan'
import type { ChatStore } from './store/types'

const log = logger('server.groups')

export async function handleGroupFrame(ctx: ChatContext, actor: Actor, frame: GroupFrame): Promise<Reply> {
  const { op } = frame
  if (op.kind === 'create') return createGroup(ctx, actor, frame.id, op)
  return onCurrentRoster(op.conversationId, 'change not applied', () => changeGroup(ctx, actor, frame.id, op))
}

async function createGroup(
  ctx: ChatContext,
  actor: Actor,
  opId: string,
  op: Extract<GroupOp, { kind: 'create' }>,
): Promise<Reply> {
  const others = [...new Set(op.members)].filter((username) => username !== actor.username)
  const missing = await firstUnknownUser(ctx.store, others)
  if (missing) return errorFrame('USER_NOT_FOUND', `there is no user ${missing}`, opId)
  const members: GroupMember[] = [
    { username: actor.username, role: 'owner' },
    ...others.map((username): GroupMember => ({ username, role: 'member' })),
  ]
  const result = await ctx.store.createGroup({
    opId,
    conversationId: op.conversationId,
    name: op.name.trim(),
    members,
    actor: actor.username,
    now: ctx.now(),
  })
  switch (result.kind) {
    case 'created':
      await publishDeliveries(ctx.bus, result.deliveries, actor.username)
      log.info({ conversationId: op.conversationId, actor: actor.username, members: members.length }, 'group created')
      return ackFrame(opId, result.ts)
    case 'duplicate':
      return ackFrame(opId, result.ts, true)
    case 'id-conflict':
      return errorFrame('ID_CONFLICT', 'this group id or op id is already used', opId)
  }
}

async function changeGroup(ctx: ChatContext, actor: Actor, opId: string, op: ChangeOp): Promise<Reply | typeof STALE> {
  const { conversationId } = op
  // a retry is answered as the first time, even when the op took the actor out of the group
  const previous = await ctx.store.findGroupEvent(opId)
  if (previous) {
    return previous.conversationId === conversationId && previous.actor === actor.username
      ? ackFrame(opId, previous.ts, true)
      : errorFrame('ID_CONFLICT', 'this op id is already used', opId)
  }
  const group = await ctx.store.findGroup(conversationId)
  if (!group || !group.members.some((m) => m.username === actor.username)) {
    return errorFrame('NOT_MEMBER', 'you are not a member of this group', opId)
  }
  if (op.kind === 'add') {
    const missing = await firstUnknownUser(ctx.store, op.usernames)
    if (missing) return errorFrame('USER_NOT_FOUND', `there is no user ${missing}`, opId)
  }

  const plan = planGroupChange(group, actor.username, op)
  if (plan.kind === 'refused') {
    log.info({ conversationId, actor: actor.username, op: op.kind, code: plan.code }, 'group change refused')
    return errorFrame(plan.code, plan.message, opId)
  }
  if (plan.kind === 'unchanged') return ackFrame(opId, ctx.now())

  const result = await ctx.store.changeGroup({
    opId,
    conversationId,
    actor: actor.username,
    change: plan.change,
    members: plan.members,
    audience: plan.audience,
    basedOn: group.version,
    now: ctx.now(),
  })
  switch (result.kind) {
    case 'changed':
      await publishDeliveries(ctx.bus, result.deliveries, actor.username)
      log.info({ conversationId, actor: actor.username, change: plan.change.type }, 'group changed')
      return ackFrame(opId, result.ts)
    case 'duplicate':
      return ackFrame(opId, result.ts, true)
    case 'id-conflict':
      return errorFrame('ID_CONFLICT', 'this op id is already used', opId)
    case 'stale':
      // the group changed since it was read: plan again on the new roster
      return STALE
  }
}

async function firstUnknownUser(store: ChatStore, usernames: readonly string[]): Promise<string | null> {
  for (const username of usernames) if (!(await store.findUser(username))) return username
  return null
}
