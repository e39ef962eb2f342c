import { fail, ok, type ConversationView, type Result } from '../../../shared/bridge'
import { newId } from '../../../shared/ids'
import { directConversationId, Username, type ErrorCode } from '../../../shared/protocol'
import { getConversation, listConversations, markConversationRead } from '../db/queries/conversations'
import type { Connection } from '../net/connection'
import { PendingReplies } from '../net/pending-replies'
import { commit, type CoreContext } from './context'
import { touchConversation, viewOfConversation } from './conversation-views'
import { ensureConversationFor } from './membership'
import { normalizeUsername } from './session'

const LOOKUP_TIMEOUT_MS = 10_000

type LookupAnswer = { found: boolean } | { error: ErrorCode; message: string }

export class ConversationService {
  private readonly lookups = new PendingReplies<LookupAnswer>()

  constructor(
    private readonly ctx: CoreContext,
    private readonly connection: () => Connection,
  ) {}

  async list(): Promise<Result<ConversationView[]>> {
    const me = this.ctx.me()
    if (!me) return fail('NOT_SIGNED_IN', 'sign in first')
    const views = listConversations(this.ctx.db).flatMap((c) => viewOfConversation(this.ctx, c.id, me) ?? [])
    return ok(views)
  }

  async markRead(args: { conversationId: string }): Promise<Result<null>> {
    const { ctx } = this
    const me = ctx.me()
    if (!me) return fail('NOT_SIGNED_IN', 'sign in first')
    if (!getConversation(ctx.db, args.conversationId)) return fail('NOT_FOUND', 'no such conversation')
    commit(ctx, (fx) => {
      markConversationRead(ctx.db, args.conversationId, me)
      touchConversation(ctx, fx, args.conversationId, me)
    })
    return ok(null)
  }

  async openDirect(args: { username: string }): Promise<Result<ConversationView>> {
    const { ctx } = this
    const me = ctx.me()
    if (!me) return fail('NOT_SIGNED_IN', 'sign in first')
    const peer = normalizeUsername(args.username)
    if (!Username.safeParse(peer).success) return fail('INVALID_USERNAME', 'usernames are 3-32 characters: a-z, 0-9, _')
    if (peer === me) return fail('INVALID_USERNAME', 'that is you: pick someone else')
    const id = directConversationId(me, peer)
    const known = viewOfConversation(ctx, id, me)
    if (known) return ok(known)

    const link = this.connection()
    if (!link.ready) return fail('OFFLINE', 'you are offline: new chats need the server')
    const lookupId = newId()
    const answer = this.lookups.wait(lookupId, LOOKUP_TIMEOUT_MS)
    if (!link.send({ type: 'lookup', id: lookupId, username: peer })) this.lookups.settle(lookupId, null)
    const result = await answer
    if (!result) return fail('OFFLINE', 'the server did not answer')
    if ('error' in result) {
      return result.error === 'RATE_LIMITED'
        ? fail('RATE_LIMITED', result.message)
        : fail('INTERNAL', `server error: ${result.error}`)
    }
    if (!result.found) return fail('USER_NOT_FOUND', `nobody is called ${peer}`)
    if (!ctx.db.open || ctx.me() !== me) return fail('NOT_SIGNED_IN', 'signed out meanwhile')
    const view = commit(ctx, (fx) => {
      if (ensureConversationFor(ctx.db, id, me, ctx.now())) touchConversation(ctx, fx, id, me)
      return viewOfConversation(ctx, id, me)!
    })
    return ok(view)
  }

  onLookupResult(frame: { id: string; found: boolean }): boolean {
    return this.lookups.settle(frame.id, { found: frame.found })
  }

  onError(frame: { id?: string; code: ErrorCode; message: string }): boolean {
    if (!frame.id) return false
    if (frame.code === 'USER_NOT_FOUND') return this.lookups.settle(frame.id, { found: false })
    return this.lookups.settle(frame.id, { error: frame.code, message: frame.message })
  }

  onDisconnect(): void {
    this.lookups.cancelAll()
  }
}
