/**
 * The Parley server a benchmark runs against: one node on SQLite (storage `disk` or `ram`),
 * or for `cluster` two nodes on one PostgreSQL and one nats-server, both started here with
 * the test launchers (test/helpers/engines) and stopped again with the nodes, whatever
 * happens. Every node is its own process (children/parley-server.ts).
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { PostgresStore } from '../../src/server/store/postgres/postgres-store'
import { NATS_SERVER, startNats } from '../../test/helpers/engines/nats'
import { BIN_DIR as PG_BIN_DIR, startPostgres } from '../../test/helpers/engines/postgres'
import type { ParleyServerConfig } from '../children/parley-server'
import { type ChildHandle, startChild } from './child'
import { seedAccounts, seedAccountsInto, type SeededDevice } from './server-seed'
import type { Storage } from './types'

export const CLUSTER_NODES = 2

export interface Servers {
  /** One node, or CLUSTER_NODES for `cluster`. */
  nodes: ChildHandle[]
  /** The seeded devices, when asked for. */
  devices: SeededDevice[]
  /** Stops the nodes, then NATS and PostgreSQL; every step runs even if one fails. */
  stop(): Promise<void>
}

/** Why the cluster cannot run here, or null when it can. */
export function clusterUnavailable(): string | null {
  if (!existsSync(path.join(PG_BIN_DIR, 'postgres'))) return `no PostgreSQL 15 in ${PG_BIN_DIR} (PARLEY_PG_BIN)`
  if (!existsSync(NATS_SERVER)) return `no nats-server at ${NATS_SERVER} (PARLEY_NATS_SERVER)`
  return null
}

type NodeConfig = Omit<ParleyServerConfig, 'dataDir' | 'database' | 'nats'>

/** Seeds `seed.usernames` (before any node starts), then starts the node(s). */
export async function startServers(
  storage: Storage,
  workDir: string,
  config: NodeConfig,
  seed?: { usernames: readonly string[]; devicesPerUser?: number },
): Promise<Servers> {
  const undo: (() => Promise<void>)[] = []
  const stop = async () => {
    let first: unknown = null
    for (const step of undo.splice(0).reverse()) {
      try {
        await step()
      } catch (err) {
        first ??= err
      }
    }
    if (first) throw first
  }
  const nodes: ChildHandle[] = []
  let devices: SeededDevice[] = []
  const startNode = async (nodeConfig: ParleyServerConfig, logFile: string) => {
    const node = await startChild('bench/children/parley-server.ts', nodeConfig, logFile)
    undo.push(() => node.stop())
    nodes.push(node)
  }
  try {
    if (storage !== 'cluster') {
      const dataDir = path.join(workDir, 'server')
      if (seed) devices = await seedAccounts(dataDir, seed.usernames, seed.devicesPerUser)
      await startNode({ ...config, dataDir }, path.join(workDir, 'server.log'))
    } else {
      const postgres = await startPostgres()
      undo.push(() => postgres.stop())
      const nats = await startNats()
      undo.push(() => nats.stop())
      const database = await postgres.createDatabase('parley_bench')
      if (seed) devices = await seedAccountsInto(await PostgresStore.open(database), seed.usernames, seed.devicesPerUser)
      for (let n = 0; n < CLUSTER_NODES; n++) {
        await startNode({ ...config, dataDir: path.join(workDir, `node${n}`), database, nats: nats.url }, path.join(workDir, `node${n}.log`))
      }
    }
  } catch (err) {
    await stop().catch(() => {})
    throw err
  }
  return { nodes, devices, stop }
}
