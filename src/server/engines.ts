/**
 * Which engines a server node runs on. Without URLs: the embedded SQLite store and the
 * in-process bus (startServer's defaults). With them: a cluster node on PostgreSQL (the
 * source of truth) and NATS (fan-out between nodes).
 *
 * Opening is all or nothing: a bad URL is refused before anything is opened, and when one
 * engine fails the other is closed again, so a node either starts whole or not at all. Every
 * error is one line naming the engine and the reason, for the CLI to print as is.
 */
import { NatsBus } from './bus/nats-bus'
import type { Bus } from './bus/types'
import { databaseUrlProblem, natsUrlProblem, redactUrl } from './engine-urls'
import type { ChatStore } from './store/types'

/** A URL and where it came from (the flag or the environment variable), for the messages. */
export interface EngineUrl {
  url: string
  source: string
}

export interface EngineChoice {
  database?: EngineUrl
  nats?: EngineUrl
}

/** Undefined = startServer's default (SQLite, in-process bus). */
export interface Engines {
  store?: ChatStore
  bus?: Bus
}

export interface EngineOpeners {
  openStore(url: string): Promise<ChatStore>
  connectBus(url: string): Promise<Bus>
}

export type StoreOpener = EngineOpeners['openStore']

// Loaded only when a deployment asks for PostgreSQL: the embedded server never pulls in pg.
const openPostgresStore: StoreOpener = async (url) => (await import('./store/postgres/postgres-store')).PostgresStore.open(url)

export const DEFAULT_OPENERS: EngineOpeners = {
  openStore: openPostgresStore,
  connectBus: (url) => NatsBus.connect(url),
}

export class EngineError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'EngineError'
  }
}

export async function openEngines(choice: EngineChoice, openers: EngineOpeners = DEFAULT_OPENERS): Promise<Engines> {
  const { database, nats } = choice
  const problem =
    (database && databaseUrlProblem(database.url, database.source)) || (nats && natsUrlProblem(nats.url, nats.source))
  if (problem) throw new EngineError(problem)

  // the bus first: connecting is quick and closing it undoes it completely, while opening
  // the store may run migrations
  let bus: Bus | undefined
  if (nats) {
    try {
      bus = await openers.connectBus(nats.url)
    } catch (err) {
      throw new EngineError(oneLine(err, `cannot connect to NATS at ${redactUrl(nats.url)}`), { cause: err })
    }
  }
  let store: ChatStore | undefined
  if (database) {
    try {
      store = await openers.openStore(database.url)
    } catch (err) {
      await bus?.close().catch(() => {})
      throw new EngineError(oneLine(err, `cannot open the PostgreSQL database at ${redactUrl(database.url)}`), { cause: err })
    }
  }
  return { store, bus }
}

/** `err`'s message on one line, behind `context` unless the message already says it. */
function oneLine(err: unknown, context: string): string {
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ').trim()
  return message.startsWith(context) ? message : `${context}: ${message}`
}
