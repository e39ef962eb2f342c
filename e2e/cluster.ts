/**
 * A whole cluster deployment for the e2e suite (docs/deployment.md): a real PostgreSQL and
 * nats-server in temp dirs (test/helpers/engines), two Parley nodes started with
 * `--database` and `--nats` as an operator would, and HAProxy in front of them as the load
 * balancer (round robin, WebSocket upgrades passed through, nodes health-checked on
 * /v1/health, so a node that goes away stops receiving connections).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { startNats, type NatsServer } from '../test/helpers/engines/nats'
import { startPostgres, type PostgresInstance } from '../test/helpers/engines/postgres'
import { ChatServer, ProcessLog, stopProcess, tempDir } from './processes'
import { freePort } from '../test/helpers/free-port'

const HAPROXY = process.env.PARLEY_HAPROXY ?? '/usr/sbin/haproxy'
const READY_TIMEOUT_MS = 30_000

export interface Cluster {
  /** The load balancer's address: what clients are given. */
  url: string
  nodes: ChatServer[]
  /** The load balancer's own output. */
  log: ProcessLog
  /**
   * Takes a node out of the balancer's rotation (`maint`: no new connections, the open ones
   * stay) or puts it back (`ready`), through HAProxy's runtime API, as an operator drains a
   * node. Resolves once HAProxy has applied it.
   */
  setNodeState(index: number, state: 'ready' | 'maint'): Promise<void>
  stop(): Promise<void>
}

/** Why the cluster cannot run here, or null. */
export function clusterUnavailable(): string | null {
  return existsSync(HAPROXY) ? null : `no HAProxy at ${HAPROXY} (apt-get install haproxy, or set PARLEY_HAPROXY)`
}

export async function startCluster(): Promise<Cluster> {
  const stops: Array<() => Promise<void>> = []
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {})
  }
  try {
    const [postgres, nats]: [PostgresInstance, NatsServer] = await Promise.all([startPostgres(), startNats()])
    stops.push(() => postgres.stop(), () => nats.stop())
    const engines = { database: await postgres.createDatabase(), nats: nats.url }
    const nodes = await Promise.all([ChatServer.start({ engines }), ChatServer.start({ engines })])
    for (const node of nodes) {
      stops.push(async () => {
        await node.stop()
        rmSync(node.dataDir, { recursive: true, force: true })
      })
    }
    const balancer = await startHaproxy(nodes.map((n) => n.port))
    stops.push(balancer.stop)
    return { url: balancer.url, nodes, log: balancer.log, setNodeState: balancer.setNodeState, stop: stopAll }
  } catch (err) {
    await stopAll()
    throw err
  }
}

interface Balancer {
  url: string
  log: ProcessLog
  setNodeState(index: number, state: 'ready' | 'maint'): Promise<void>
  stop(): Promise<void>
}

async function startHaproxy(nodePorts: number[]): Promise<Balancer> {
  const dir = tempDir('haproxy')
  const port = await freePort()
  const adminSocket = path.join(dir, 'admin.sock')
  const config = [
    'global',
    '  maxconn 512',
    `  stats socket ${adminSocket} level admin`,
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    // an upgraded WebSocket is a tunnel: above the server's 30 s heartbeat
    '  timeout tunnel 120s',
    '  option redispatch',
    '  retries 3',
    'frontend parley',
    `  bind 127.0.0.1:${port}`,
    '  default_backend nodes',
    'backend nodes',
    '  balance roundrobin',
    '  option httpchk GET /v1/health',
    ...nodePorts.map((p, i) => `  server node${i + 1} 127.0.0.1:${p} check inter 300 fall 1 rise 1`),
    '',
  ].join('\n')
  const file = path.join(dir, 'haproxy.cfg')
  writeFileSync(file, config)
  const log = new ProcessLog()
  const child: ChildProcess = spawn(HAPROXY, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout?.setEncoding('utf8').on('data', (c: string) => log.append(c))
  child.stderr?.setEncoding('utf8').on('data', (c: string) => log.append(c))
  const url = `ws://127.0.0.1:${port}`
  const stop = async () => {
    await stopProcess(child)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await untilHealthy(`http://127.0.0.1:${port}/v1/health`, child, log)
  } catch (err) {
    await stop()
    throw err
  }
  const setNodeState = async (index: number, state: 'ready' | 'maint') => {
    const answer = await adminCommand(adminSocket, `set server nodes/node${index + 1} state ${state}`)
    // HAProxy answers a command it applied with an empty line
    if (answer.trim() !== '') throw new Error(`HAProxy refused to set node${index + 1} ${state}: ${answer.trim()}`)
  }
  return { url, log, setNodeState, stop }
}

/** One command on HAProxy's runtime API socket; its answer. */
function adminCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = ''
    const socket = net.connect(socketPath, () => socket.end(`${command}\n`))
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (answer += chunk))
    socket.on('end', () => resolve(answer))
    socket.on('error', reject)
  })
}

/** Until the balancer answers a health check through to a node (it has found one up). */
async function untilHealthy(url: string, child: ChildProcess, log: ProcessLog): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`HAProxy exited (${child.exitCode}): ${log.text()}`)
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return
    if (Date.now() > deadline) throw new Error(`HAProxy did not become ready at ${url}: ${log.text()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
