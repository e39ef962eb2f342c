/**
 * The desktop app's own chat server, run in the main process when no `--server` is
 * given, with its data in the user-data directory. The server holds an exclusive lock
 * on its database, so a second Parley instance (another `--profile` on the same
 * machine) joins the running embedded server instead of starting a rival; the
 * endpoint file in the data directory says where it listens.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { logger } from '../../shared/log'
import { startServer } from '../../server/server'

const log = logger('embedded-server')

const ENDPOINT_FILE = 'embedded-endpoint.json'
const JOIN_ATTEMPTS = 20
const JOIN_RETRY_MS = 250

export interface EmbeddedServer {
  url: string
  /** False when this instance joined a server another instance runs. */
  owned: boolean
  close(): Promise<void>
}

interface Endpoint {
  url: string
  pid: number
}

export async function useEmbeddedServer(dataDir: string, nativeBinding?: string): Promise<EmbeddedServer> {
  const endpointFile = path.join(dataDir, ENDPOINT_FILE)
  for (let attempt = 0; attempt < JOIN_ATTEMPTS; attempt++) {
    const running = await runningEndpoint(endpointFile)
    if (running) {
      log.info({ url: running.url, pid: running.pid }, 'joining the embedded server of another Parley instance')
      return { url: running.url, owned: false, close: async () => {} }
    }
    try {
      return await startOwned(dataDir, endpointFile, nativeBinding)
    } catch (err) {
      // Another instance holds the database but has not published its endpoint yet.
      if ((err as Error).name !== 'DataDirInUseError') throw err
      await new Promise((resolve) => setTimeout(resolve, JOIN_RETRY_MS))
    }
  }
  throw new Error(`the embedded server's data directory ${dataDir} is locked by a process that does not answer`)
}

async function startOwned(dataDir: string, endpointFile: string, nativeBinding?: string): Promise<EmbeddedServer> {
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, nativeBinding })
  const endpoint: Endpoint = { url: server.url, pid: process.pid }
  const tmp = `${endpointFile}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(endpoint), { mode: 0o600 })
  await rename(tmp, endpointFile)
  log.info({ url: server.url }, 'embedded server started')
  return {
    url: server.url,
    owned: true,
    async close() {
      const current = await readEndpoint(endpointFile)
      if (current?.pid === process.pid) await rm(endpointFile, { force: true })
      await server.close()
    },
  }
}

async function readEndpoint(file: string): Promise<Endpoint | null> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as Partial<Endpoint>
    return typeof value.url === 'string' && typeof value.pid === 'number' ? { url: value.url, pid: value.pid } : null
  } catch {
    return null
  }
}

async function runningEndpoint(file: string): Promise<Endpoint | null> {
  const endpoint = await readEndpoint(file)
  if (!endpoint || endpoint.pid === process.pid || !processExists(endpoint.pid)) return null
  try {
    const health = new URL('/v1/health', endpoint.url.replace(/^ws/, 'http'))
    const res = await fetch(health, { signal: AbortSignal.timeout(2000) })
    return res.ok ? endpoint : null
  } catch {
    return null
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
