import { randomBytes } from 'node:crypto'
import { fail, ok, type Result } from '../../../shared/bridge'
import type { CredentialsBody, SessionResponse } from '../../../shared/protocol'
import type { AuthApi } from '../net/auth-client'

/** Accounts in memory, answering like the server's HTTP API. */
export class FakeAuth implements AuthApi {
  readonly accounts = new Map<string, string>()
  readonly revoked: string[] = []
  /** Tokens whose user was signed out everywhere. */
  readonly revokedEverywhere: string[] = []
  unreachable = false

  async signUp(body: CredentialsBody): Promise<Result<SessionResponse>> {
    if (this.unreachable) return fail('SERVER_UNREACHABLE', 'down')
    if (this.accounts.has(body.username)) return fail('USERNAME_TAKEN', 'taken')
    this.accounts.set(body.username, body.password)
    return ok(this.session(body.username))
  }

  async signIn(body: CredentialsBody): Promise<Result<SessionResponse>> {
    if (this.unreachable) return fail('SERVER_UNREACHABLE', 'down')
    if (this.accounts.get(body.username) !== body.password) return fail('BAD_CREDENTIALS', 'wrong')
    return ok(this.session(body.username))
  }

  async signOut(token: string): Promise<Result<null>> {
    if (this.unreachable) return fail('SERVER_UNREACHABLE', 'down')
    this.revoked.push(token)
    return ok(null)
  }

  async signOutEverywhere(token: string): Promise<Result<null>> {
    if (this.unreachable) return fail('SERVER_UNREACHABLE', 'down')
    this.revokedEverywhere.push(token)
    return ok(null)
  }

  private session(username: string): SessionResponse {
    return { token: randomBytes(32).toString('hex'), username }
  }
}
