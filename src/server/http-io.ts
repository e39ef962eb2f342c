import type http from 'node:http'
import type { HttpErrorCode } from '../shared/protocol'

export const MAX_BODY_BYTES = 16 * 1024

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  // tokens must not end up in caches
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = Buffer.from(JSON.stringify(body), 'utf8')
  res.writeHead(status, { ...JSON_HEADERS, ...headers, 'content-length': String(payload.length) })
  res.end(payload)
}

export function sendNoContent(res: http.ServerResponse): void {
  res.writeHead(204, { 'cache-control': 'no-store' })
  res.end()
}

export function sendError(res: http.ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { error: { code: error.code, message: error.message } }, error.headers)
}

/** Reads and parses a JSON body of at most MAX_BODY_BYTES. */
export async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > MAX_BODY_BYTES) throw tooLarge()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw tooLarge()
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'the request body is not valid JSON')
  }
}

function tooLarge(): HttpError {
  // the rest of the body is not read, so the connection cannot be reused
  return new HttpError(413, 'BAD_REQUEST', `the request body exceeds ${MAX_BODY_BYTES} bytes`, { connection: 'close' })
}
