/**
 * Command-line options of the client hosts (Electron and browser mode). Pure, so the
 * same rules apply to both and are unit-tested without Electron.
 */
import { parseArgs } from 'node:util'

export class ArgsError extends Error {
  override name = 'ArgsError'
}

export interface ClientArgs {
  /** Chat server to use; null means "start the embedded one". */
  server: string | null
  /** Profile directory; null means the host's default. */
  profile: string | null
}

/** A chat server is named by its WebSocket base URL, e.g. `ws://127.0.0.1:7800`. */
export function parseServerUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ArgsError(`--server: not a URL: ${value}`)
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new ArgsError(`--server: expected ws:// or wss://, got ${url.protocol}//`)
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ArgsError('--server: give only scheme, host and port (and an optional base path)')
  }
  return url.href.replace(/\/+$/, '')
}

export function parsePort(value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ArgsError(`--port: expected 0-65535, got ${value}`)
  }
  return port
}

/**
 * Electron and Chromium add switches of their own (and Playwright adds inspector
 * flags), so unknown options are tolerated here rather than rejected.
 */
export function parseClientArgs(argv: readonly string[]): ClientArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: { server: { type: 'string' }, profile: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  })
  const server = typeof values.server === 'string' ? parseServerUrl(values.server) : null
  if (values.server === true) throw new ArgsError('--server needs a URL')
  if (values.profile === true || values.profile === '') throw new ArgsError('--profile needs a directory')
  const profile = typeof values.profile === 'string' ? values.profile : null
  return { server, profile }
}

export interface WebArgs {
  server: string
  profile: string
  port: number
  host: string
  /** Built renderer to serve; null means the repository's `out/renderer`. */
  staticDir: string | null
}

export const WEB_USAGE =
  'usage: npm run web -- --server ws://HOST:PORT --profile DIR [--port 0] [--host 127.0.0.1] [--static out/renderer]'

export function parseWebArgs(argv: readonly string[]): WebArgs {
  let values
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      options: {
        server: { type: 'string' },
        profile: { type: 'string' },
        port: { type: 'string', default: '0' },
        host: { type: 'string', default: '127.0.0.1' },
        static: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (err) {
    throw new ArgsError(`${(err as Error).message}\n${WEB_USAGE}`)
  }
  if (!values.server) throw new ArgsError(`--server is required\n${WEB_USAGE}`)
  if (!values.profile) throw new ArgsError(`--profile is required\n${WEB_USAGE}`)
  return {
    server: parseServerUrl(values.server),
    profile: values.profile,
    port: parsePort(values.port),
    host: values.host,
    staticDir: values.static ?? null,
  }
}
