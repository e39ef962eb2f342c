/**
 * The HTTP half of the server: accounts and sessions under /v1, beside the WebSocket.
 * Every answer is JSON (or 204); every failure is an `HttpErrorBody`.
 */
import type http from 'node:http'
import type { z } from 'zod'
import { logger } from '../shared/log'
import { CredentialsBody } from '../shared/protocol'
import type { AccountResult, Accounts } from './accounts'
import { HttpError, readJsonBody, sendError, sendJson, sendNoContent } from './http-io'
import type { OriginPolicy } from './origin'
import type { SessionRecord } from './store/types'
import { bearerToken } from './tokens'

const log = logger('server.http')

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>
type Routes = Record<string, Partial<Record<string, Handler>>>

const ACCOUNT_ERROR_STATUS = { BAD_CREDENTIALS: 401, USERNAME_TAKEN: 409, RATE_LIMITED: 429 } as const

export function createHttpHandler(
  accounts: Accounts,
  originAllowed: OriginPolicy,
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  async function credentials(req: http.IncomingMessage): Promise<CredentialsBody> {
    return parseBody(CredentialsBody, await readJsonBody(req))
  }

  async function session(req: http.IncomingMessage): Promise<SessionRecord> {
    const token = bearerToken(req.headers.authorization)
    const found = token ? await accounts.authenticate(token) : null
    if (!found) throw new HttpError(401, 'UNAUTHORIZED', 'a valid bearer token is required')
    return found
  }

  function answer(res: http.ServerResponse, successStatus: number, result: AccountResult): void {
    if (result.ok) return sendJson(res, successStatus, result.session)
    const { code, message, retryAfterSeconds } = result.error
    const headers: Record<string, string> = retryAfterSeconds ? { 'retry-after': String(retryAfterSeconds) } : {}
    throw new HttpError(ACCOUNT_ERROR_STATUS[code], code, message, headers)
  }

  const routes: Routes = {
    '/v1/accounts': {
      POST: async (req, res) => answer(res, 201, await accounts.signUp(await credentials(req), address(req))),
    },
    '/v1/sessions': {
      POST: async (req, res) => answer(res, 200, await accounts.signIn(await credentials(req), address(req))),
      DELETE: async (req, res) => {
        await accounts.signOutEverywhere(await session(req))
        sendNoContent(res)
      },
    },
    '/v1/sessions/current': {
      DELETE: async (req, res) => {
        await accounts.signOut(await session(req))
        sendNoContent(res)
      },
    },
    '/v1/health': {
      GET: async (_req, res) => sendJson(res, 200, { ok: true }),
    },
  }

  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (!originAllowed(req)) {
      log.info({ origin: req.headers.origin, method: req.method, path }, 'request from a web page refused')
      sendError(res, new HttpError(403, 'FORBIDDEN', 'requests from web pages are not accepted'))
      return
    }
    const handler = routes[path]?.[req.method ?? '']
    if (!handler) {
      sendError(res, new HttpError(404, 'NOT_FOUND', `no such endpoint: ${req.method} ${path}`))
      return
    }
    handler(req, res).catch((err: unknown) => {
      if (!(err instanceof HttpError)) log.error({ err, method: req.method, path }, 'request failed')
      if (res.headersSent) {
        res.destroy()
        return
      }
      sendError(res, err instanceof HttpError ? err : new HttpError(500, 'INTERNAL', 'internal server error'))
    })
  }
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
  throw new HttpError(400, 'BAD_REQUEST', `${where}${issue?.message ?? 'invalid request body'}`)
}

function address(req: http.IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown'
}
