/**
 * Checks of the engine URLs given on the command line, before anything is opened: a typo
 * gets a message that names the option and what it expects, not a driver's stack trace.
 * URLs are shown without their password (they end up in logs and terminals).
 */

/** The URL with any password replaced by `***`; the text as given when it is no URL at all. */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text)
    if (url.password !== '') url.password = '***'
    return url.toString()
  } catch {
    return text.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
  }
}

/** Why `text` is not a usable URL for `what`, or null when it is. */
function urlProblem(text: string, what: string, protocols: readonly string[]): string | null {
  const expected = `a ${protocols.map((p) => `${p}//`).join(' or ')} URL`
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return `${what} must be ${expected}, got "${redactUrl(text)}"`
  }
  if (!protocols.includes(url.protocol)) return `${what} must be ${expected}, got "${redactUrl(text)}"`
  if (url.hostname === '') return `${what} must name a host, got "${redactUrl(text)}"`
  return null
}

export const DATABASE_PROTOCOLS = ['postgres:', 'postgresql:'] as const
export const NATS_PROTOCOLS = ['nats:', 'tls:'] as const

export function databaseUrlProblem(text: string, what = 'the database URL'): string | null {
  return urlProblem(text, what, DATABASE_PROTOCOLS)
}

/** A NATS cluster is given as a comma-separated list of its servers' URLs. */
export function natsServers(text: string): string[] {
  return text.split(',').map((part) => part.trim())
}

export function natsUrlProblem(text: string, what = 'the NATS URL'): string | null {
  for (const server of natsServers(text)) {
    const problem = urlProblem(server, what, NATS_PROTOCOLS)
    if (problem) return problem
  }
  return null
}
