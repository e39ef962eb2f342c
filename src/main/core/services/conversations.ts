import { fail, ok, type ConversationView, type Result } from '../../../shared/bridge'
import { refusedBy } from '../../../shared/errors'
import { newId } from '../../../shared/ids'
import { directConversationId, normalizeUsername, Username } from '../../../shared/protocol'
import { commit, type CoreContext } from '../context'
import { getConversation, listConversations, markConversationRead } from '../db/queries/conversations'
import type { Connection } from '../net/connection'
import type { PendingRequests } from '../net/requests'
import { conversationView, touchConversation } from '../views'
import { ensureConversationFor } from './membership'

const LOOKUP_TIMEOUT_MS = 10_000

export class ConversationService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly connection: () => Connection,
    private readonly requests: PendingRequests,
  ) {}

  async list(): Promise<Result<ConversationView[]>> {
    const me = this.ctx.me()
    if (!me) return fail('NOT_SIGNED_IN', 'sign in first')
    const views = listConversations(this.ctx.db).flatMap((c) => conversationView(this.ctx, c.id, me) ?? [])
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
    const known = conversationView(ctx, id, me)
    if (known) return ok(known)

    const link = this.connection()
    if (!link.ready) return fail('OFFLINE', 'you are offline: new chats need the server')
    const reply = await this.requests.ask(link, { type: 'lookup', id: newId(), username: peer }, (r) => r, LOOKUP_TIMEOUT_MS)
    if (!reply || reply.type === 'ack') return fail('OFFLINE', 'the server did not answer')
    // an unknown username may come back as `found: false` or as USER_NOT_FOUND
    if (reply.type === 'error' && reply.code !== 'USER_NOT_FOUND') return refusedBy(reply)
    if (reply.type !== 'lookup-result' || !reply.found) return fail('USER_NOT_FOUND', `nobody is called ${peer}`)
    if (!ctx.db.open || ctx.me() !== me) return fail('NOT_SIGNED_IN', 'signed out meanwhile')
    const view = commit(ctx, (fx) => {
      if (ensureConversationFor(ctx.db, id, me, ctx.now())) touchConversation(ctx, fx, id, me)
      return conversationView(ctx, id, me)!
    })
    return ok(view)
  }
}
