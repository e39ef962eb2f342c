/**
 * 2. Server relay throughput: messages per second through the real server (authenticated
 * sockets, zod validation, dedup by id, durable storage, per-user logs, receipts) with 100
 * connected clients and 64 messages in flight, beside a bare `ws` relay measured the same
 * way in the same run.
 *
 * Both servers run in their own process; the 100 clients run here. A message counts when
 * its recipient has it. Each completion sends the next message from the next client in
 * turn, so exactly 64 are in flight at any moment. Parley's clients also do what a real
 * client must: acknowledge (`received`) what they got, which makes the server mark
 * deliveries and append receipts. Windows alternate between the two servers so drift in
 * the machine's speed hits both.
 */
import path from 'node:path'
import { ACK_INTERVAL_MS } from '../src/main/core/services/inbound'
import { newId } from '../src/shared/ids'
import { directConversationId } from '../src/shared/protocol'
import { startChild, type ChildHandle } from './lib/child'
import { type AnyFrame, connectAll, RawClient } from './lib/raw-client'
import { benchUsernames, checkSignIn, seedAccounts } from './lib/server-seed'
import { median, round } from './lib/stats'
import type { Benchmark, BenchOptions, BenchResult } from './lib/types'

const CLIENTS = 100
const IN_FLIGHT = 64
const TEXT = 'The quick brown fox jumps over the lazy dog; benchmarks should look like chat, roughly 100 chars.'
/**
 * The frame budgets (30/s per connection, 90/s per account) are abuse policy for one
 * person's devices; each of these 100 sockets carries hundreds of frames a second, so the
 * budgets are lifted here. Everything else is the production configuration.
 */
export const UNTHROTTLED = {
  frames: { capacity: 1e9, refillPerSecond: 1e9 },
  framesPerUser: { capacity: 1e9, refillPerSecond: 1e9 },
}

interface Load {
  clients: RawClient[]
  /** Sends the next message from client i. */
  sendFrom(i: number): void
  /** Set by the measuring loop: called once per message that reached its recipient. */
  onDelivered?: () => void
  errors: Map<string, number>
}

/**
 * Acknowledges the way the real client does (services/inbound.ts): the first at once,
 * then one cumulative `received` at most every ACK_INTERVAL_MS.
 */
function cumulativeAcker(send: (seq: number) => void): (seq: number) => void {
  let pending: number | null = null
  let lastAt = Number.NEGATIVE_INFINITY
  let timer: NodeJS.Timeout | null = null
  const flush = () => {
    timer = null
    if (pending === null) return
    send(pending)
    pending = null
    lastAt = performance.now()
  }
  return (seq) => {
    pending = Math.max(pending ?? 0, seq)
    if (timer) return
    const wait = lastAt + ACK_INTERVAL_MS - performance.now()
    if (wait <= 0) flush()
    else timer = setTimeout(flush, wait)
  }
}

function parleyLoad(clients: RawClient[], usernames: string[]): Load {
  const load: Load = { clients, errors: new Map(), sendFrom }
  const conversations = usernames.map((u, i) => directConversationId(u, usernames[i ^ 1]!))
  clients.forEach((client, i) => {
    const me = usernames[i]!
    const ack = cumulativeAcker((seq) => client.send({ type: 'received', seq }))
    client.onFrame = (frame: AnyFrame) => {
      if (frame.type === 'event') {
        ack(frame.seq)
        if (frame.event.kind === 'message' && frame.event.from !== me) load.onDelivered?.()
      } else if (frame.type === 'error') {
        load.errors.set(frame.code, (load.errors.get(frame.code) ?? 0) + 1)
      }
    }
  })
  function sendFrom(i: number): void {
    clients[i]!.send({ type: 'send', id: newId(), conversationId: conversations[i], text: TEXT })
  }
  return load
}

function bareLoad(clients: RawClient[], usernames: string[]): Load {
  const load: Load = { clients, errors: new Map(), sendFrom }
  const conversations = usernames.map((u, i) => directConversationId(u, usernames[i ^ 1]!))
  for (const client of clients) {
    client.onFrame = (frame: AnyFrame) => {
      if (frame.type === 'send') load.onDelivered?.()
    }
  }
  function sendFrom(i: number): void {
    clients[i]!.send({ type: 'send', id: newId(), conversationId: conversations[i], text: TEXT })
  }
  return load
}

interface Window {
  rate: number
  /** CPU time (user + system) per message of the server process, and of this (client) process. */
  serverCpuUs: number
  clientCpuUs: number
}

const cpuOf = async (child: ChildHandle) => (await child.request<{ cpu: NodeJS.CpuUsage }>({ type: 'cpu' })).cpu
const cpuTotal = (c: NodeJS.CpuUsage) => c.user + c.system

/** Keeps IN_FLIGHT messages moving for `ms` after a warm-up. */
async function measureWindow(load: Load, server: ChildHandle, warmupMs: number, ms: number): Promise<Window> {
  let next = 0
  let inFlight = 0
  let counting = false
  let counted = 0
  let draining = false
  let drained: () => void = () => {}
  const issue = () => {
    load.sendFrom(next)
    next = (next + 1) % load.clients.length
    inFlight++
  }
  load.onDelivered = () => {
    inFlight--
    if (counting) counted++
    if (!draining) issue()
    else if (inFlight === 0) drained()
  }
  for (let k = 0; k < IN_FLIGHT; k++) issue()
  await sleep(warmupMs)
  const serverCpu0 = await cpuOf(server)
  const clientCpu0 = process.cpuUsage()
  counting = true
  const start = performance.now()
  await sleep(ms)
  const elapsed = performance.now() - start
  const total = counted
  const clientCpu = cpuTotal(process.cpuUsage(clientCpu0))
  const serverCpu = cpuTotal(await cpuOf(server)) - cpuTotal(serverCpu0)
  counting = false
  draining = true
  await Promise.race([new Promise<void>((resolve) => (drained = resolve)), sleep(10_000)])
  if (inFlight !== 0) throw new Error(`${inFlight} messages never arrived`)
  return { rate: total / (elapsed / 1000), serverCpuUs: serverCpu / total, clientCpuUs: clientCpu / total }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export const relay: Benchmark = {
  storageSensitive: true,
  name: 'relay',
  title: 'Server relay throughput (100 clients, 64 in flight)',
  async run({ quick, workDir, log }: BenchOptions): Promise<BenchResult> {
    const rounds = quick ? 1 : 3
    const windowMs = quick ? 2_000 : 4_000
    const warmupMs = quick ? 500 : 1_000
    const usernames = benchUsernames('relay', CLIENTS)
    const dataDir = path.join(workDir, 'server')
    log(`seeding ${CLIENTS} accounts`)
    const devices = await seedAccounts(dataDir, usernames)

    const children: ChildHandle[] = []
    const loads: RawClient[][] = []
    try {
      const parley = await startChild('bench/children/parley-server.ts', { dataDir, limits: UNTHROTTLED }, path.join(workDir, 'server.log'))
      children.push(parley)
      await checkSignIn(parley.url, usernames[0]!)
      const bare = await startChild('bench/children/bare-relay.ts', {}, path.join(workDir, 'bare.log'))
      children.push(bare)

      const parleyClients = await connectAll(CLIENTS, (i) => RawClient.connect(parley.url, devices[i]!.token))
      const bareClients = await connectAll(CLIENTS, (i) => RawClient.connectBare(`${bare.url}/?id=${i}`))
      loads.push(parleyClients, bareClients)
      const parleyLoadGen = parleyLoad(parleyClients, usernames)
      const bareLoadGen = bareLoad(bareClients, usernames)

      const parleyWindows: Window[] = []
      const bareWindows: Window[] = []
      const describe = (w: Window) =>
        `${Math.round(w.rate)}/s (server ${Math.round(w.serverCpuUs)} µs, clients ${Math.round(w.clientCpuUs)} µs CPU per message)`
      for (let r = 0; r < rounds; r++) {
        bareWindows.push(await measureWindow(bareLoadGen, bare, warmupMs, windowMs))
        parleyWindows.push(await measureWindow(parleyLoadGen, parley, warmupMs, windowMs))
        log(`round ${r + 1}: bare ${describe(bareWindows.at(-1)!)}; parley ${describe(parleyWindows.at(-1)!)}`)
      }
      const parleyRates = parleyWindows.map((w) => w.rate)
      const bareRates = bareWindows.map((w) => w.rate)
      if (parleyLoadGen.errors.size) throw new Error(`server errors: ${JSON.stringify([...parleyLoadGen.errors])}`)

      const parleyRate = median(parleyRates)
      const bareRate = median(bareRates)
      const ratio = parleyRate / bareRate
      return {
        figures: [
          {
            measure: 'relay throughput',
            value: round(parleyRate, 0),
            unit: 'msg/s',
            baseline: { measure: 'bare ws relay', value: round(bareRate, 0) },
            ratio: round(ratio, 3),
            target: '>= 0.5x bare',
            pass: ratio >= 0.5,
          },
        ],
        details: {
          clients: CLIENTS,
          inFlight: IN_FLIGHT,
          windowMs,
          warmupMs,
          rounds,
          parley: parleyWindows.map((w) => ({ rate: round(w.rate, 0), serverCpuUsPerMessage: round(w.serverCpuUs, 1), clientCpuUsPerMessage: round(w.clientCpuUs, 1) })),
          bare: bareWindows.map((w) => ({ rate: round(w.rate, 0), serverCpuUsPerMessage: round(w.serverCpuUs, 1), clientCpuUsPerMessage: round(w.clientCpuUs, 1) })),
          frameRateLimit: 'lifted (see relay.ts)',
        },
      }
    } finally {
      for (const clients of loads) await Promise.all(clients.map((c) => c.close()))
      for (const child of children) await child.stop()
    }
  },
}
