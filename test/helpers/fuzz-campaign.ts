/**
 * A protocol fuzzing campaign against a real server process: several fuzzing users, each
 * on several connections, send hostile frames (paced under the per-connection and
 * per-user limits, so the parser, not the rate limiter, answers them) and check each
 * answer against the protocol; unauthenticated sockets throw garbage HTTP, upgrades and
 * raw WebSocket bytes; meanwhile two bystanders chat and must notice nothing. The
 * server's memory is sampled throughout.
 */
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { WebSocket } from 'ws'
import { newId } from '../../src/shared/ids'
import { directConversationId, HttpErrorBody, type ServerFrame, WS_PATH, PROTOCOL_VERSION } from '../../src/shared/protocol'
import {
  type Account,
  signIn,
  signUp,
  TestClient,
  type TestServer as HarnessServer,
} from '../../src/server/test-support/harness'
import { expectationFor, type FuzzCase, type FuzzWorld, preHelloCase, fuzzCase, Rng, unicodeText } from './fuzz-frames'
import { pacer } from './pace'
import { type ServerProcess, serverErrors } from './server-process'

export interface CampaignOptions {
  /** WebSocket frames to send from authenticated sockets (the total over all lanes). */
  frames: number
  /** Requests and raw sockets from unauthenticated clients. */
  unauthenticated: number
  seed?: number
  fuzzUsers?: number
  lanesPerUser?: number
  /** Frames per second per lane: under the server's per-connection (30/s) and per-user (90/s) budgets. */
  lanePerSecond?: number
}

export interface CampaignReport {
  seed: number
  /** Frames sent on authenticated WebSockets. */
  frames: number
  /** Of those, frames the protocol calls bad (the rest were valid frames sent out of order or aimed wrong). */
  badFrames: number
  validFrames: number
  preHelloFrames: number
  byCategory: Record<string, number>
  errorFrames: Record<string, number>
  rateLimited: number
  closes: Record<string, number>
  reconnects: number
  /** Unauthenticated HTTP requests, upgrades and raw sockets. */
  unauthenticated: number
  unauthenticatedByKind: Record<string, number>
  violations: string[]
  bystander: { messages: number; duplicates: number; foreign: number; errors: number; closes: number }
  rss: { baselineMb: number; peakMb: number; finalMb: number; samples: number }
  durationsMs: { setup: number; fuzz: number }
  serverErrors: string[]
  /** Still the same process, still running, at the end. */
  serverRunning: boolean
}

const REPLY_TIMEOUT_MS = 20_000
const MB = 1024 * 1024

export async function runFuzzCampaign(server: ServerProcess, opts: CampaignOptions): Promise<CampaignReport> {
  const seed = opts.seed ?? Number(process.env.FUZZ_SEED ?? randomBytes(4).readUInt32LE(0))
  const rng = new Rng(seed)
  const startsBefore = server.starts
  const target: HarnessServer = { url: server.url, httpUrl: server.url.replace(/^ws/, 'http'), dataDir: server.dataDir, close: async () => {} }
  const report: CampaignReport = {
    seed,
    frames: 0,
    badFrames: 0,
    validFrames: 0,
    preHelloFrames: 0,
    byCategory: {},
    errorFrames: {},
    rateLimited: 0,
    closes: {},
    reconnects: 0,
    unauthenticated: 0,
    unauthenticatedByKind: {},
    violations: [],
    bystander: { messages: 0, duplicates: 0, foreign: 0, errors: 0, closes: 0 },
    rss: { baselineMb: 0, peakMb: 0, finalMb: 0, samples: 0 },
    durationsMs: { setup: 0, fuzz: 0 },
    serverErrors: [],
    serverRunning: true,
  }
  const bump = (map: Record<string, number>, key: string) => (map[key] = (map[key] ?? 0) + 1)
  const violation = (text: string) => {
    if (report.violations.length < 50) report.violations.push(text)
  }

  // ---------------------------------------------------------------- accounts
  const setupStarted = performance.now()
  const fuzzNames = Array.from({ length: opts.fuzzUsers ?? 4 }, (_, i) => `fuzz_${String.fromCharCode(97 + i)}`)
  const bystanderNames = ['by_carol', 'by_dave']
  const accounts = new Map<string, Account>()
  for (const name of [...fuzzNames, ...bystanderNames]) accounts.set(name, await signUp(target, name))
  const lanesPerUser = opts.lanesPerUser ?? 3
  const laneAccounts: Account[] = []
  for (const name of fuzzNames) {
    laneAccounts.push(accounts.get(name)!)
    for (let i = 1; i < lanesPerUser; i++) laneAccounts.push(await signIn(target, name))
  }
  const rawDevice = await signIn(target, fuzzNames[0]!)
  const bystanderIds: string[] = []

  const fuzzStarted = performance.now()
  report.durationsMs.setup = Math.round(fuzzStarted - setupStarted)

  // ---------------------------------------------------------------- memory
  let progress = 0
  let baseline: number | null = null
  let peak = 0
  const sampler = setInterval(() => {
    const rss = server.rssBytes()
    if (rss === null) return
    report.rss.samples++
    peak = Math.max(peak, rss)
    if (baseline === null && progress >= opts.frames * 0.1) baseline = rss
  }, 200)

  // ---------------------------------------------------------------- bystanders
  let fuzzing = true
  const bystanders = runBystanders()

  // ---------------------------------------------------------------- lanes
  const perLane = Math.ceil(opts.frames / laneAccounts.length)
  const unauthLane = runUnauthenticated(opts.unauthenticated)
  await Promise.all(laneAccounts.map((account, i) => runLane(account, perLane, new Rng(seed + i + 1))))
  await unauthLane
  fuzzing = false
  await bystanders

  clearInterval(sampler)
  report.durationsMs.fuzz = Math.round(performance.now() - fuzzStarted)
  const finalRss = server.rssBytes() ?? 0
  report.rss = {
    baselineMb: round((baseline ?? finalRss) / MB),
    peakMb: round(Math.max(peak, finalRss) / MB),
    finalMb: round(finalRss / MB),
    samples: report.rss.samples,
  }
  report.serverErrors = serverErrors(server.log())
  report.serverRunning = server.running && server.starts === startsBefore
  return report

  // ---------------------------------------------------------------- one fuzzing connection slot
  async function runLane(account: Account, budget: number, laneRng: Rng): Promise<void> {
    const world: FuzzWorld = {
      me: account.username,
      peers: fuzzNames.filter((n) => n !== account.username),
      bystanders: bystanderNames,
      sentIds: [],
      bystanderIds,
      highestSeq: 0,
    }
    const pace = pacer(opts.lanePerSecond ?? 24)
    let sent = 0
    let socket: LaneSocket | null = null
    while (sent < budget) {
      if (!socket) {
        socket = await LaneSocket.open(server.url, account.token, laneRng.int(0, 3))
        socket.onEvent = (seq) => (world.highestSeq = Math.max(world.highestSeq, seq))
      }
      const preHello = !socket.greeted
      let fc: FuzzCase
      if (preHello && socket.preHelloLeft <= 0) {
        fc = { category: 'out-of-order', binary: false, bytes: Buffer.from(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION })) }
      } else {
        fc = preHello ? preHelloCase(laneRng, world) : fuzzCase(laneRng, world, { allowClosers: true })
        if (preHello) socket.preHelloLeft--
      }
      const expected = expectationFor(fc, socket.greeted)
      await pace()
      socket.send(fc)
      sent++
      progress++
      report.frames++
      if (preHello) report.preHelloFrames++
      bump(report.byCategory, fc.category)
      const valid = expected.kind === 'none' || (expected.kind === 'reply' && expected.valid)
      if (valid) report.validFrames++
      else report.badFrames++
      const where = () => `[${fc.category}${preHello ? ', before hello' : ''}] ${fc.binary ? '<binary>' : fc.bytes.toString('utf8').slice(0, 160)}`

      if (expected.kind === 'none') continue
      if (expected.kind === 'close') {
        const closed = await socket.closedWithin(REPLY_TIMEOUT_MS)
        if (closed === null) violation(`no close after ${where()}`)
        else {
          bump(report.closes, String(closed))
          if (closed !== expected.code) violation(`closed with ${closed}, expected ${expected.code}: ${where()}`)
        }
        socket.dispose()
        socket = null
        report.reconnects++
        continue
      }
      const reply = await socket.nextReply(REPLY_TIMEOUT_MS)
      if (reply === 'closed' || reply === 'timeout') {
        violation(`${reply} instead of an answer to ${where()}`)
        socket.dispose()
        socket = null
        report.reconnects++
        continue
      }
      if (reply.type === 'error') {
        bump(report.errorFrames, reply.code)
        if (reply.code === 'RATE_LIMITED') report.rateLimited++
      }
      const problem = expected.check(reply)
      if (problem) violation(`${problem}: ${where()}`)
      if (expected.greets && reply.type === 'welcome') socket.greeted = true
      if (reply.type === 'ack' && !reply.duplicate && fc.bytes.includes('"type":"send"')) world.sentIds.push(reply.id)
      if (expected.closes !== undefined) {
        const closed = await socket.closedWithin(REPLY_TIMEOUT_MS)
        bump(report.closes, String(closed))
        if (closed !== expected.closes) violation(`closed with ${String(closed)}, expected ${expected.closes}: ${where()}`)
        socket.dispose()
        socket = null
        report.reconnects++
      }
    }
    socket?.dispose()
  }

  // ---------------------------------------------------------------- two people chatting through it all
  async function runBystanders(): Promise<void> {
    const [carolName, daveName] = bystanderNames as [string, string]
    const conversation = directConversationId(carolName, daveName)
    const clients = [await TestClient.connect(target, accounts.get(carolName)!), await TestClient.connect(target, accounts.get(daveName)!)]
    const seen = clients.map(() => new Map<string, number>())
    clients.forEach((client, i) => {
      client.ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as ServerFrame
        if (frame.type === 'error') report.bystander.errors++
        if (frame.type !== 'event') return
        if (frame.event.conversationId !== conversation) report.bystander.foreign++
        if (frame.event.kind === 'message') seen[i]!.set(frame.event.id, (seen[i]!.get(frame.event.id) ?? 0) + 1)
        client.send({ type: 'received', seq: frame.seq })
      })
      void client.closed.then(() => {
        if (fuzzing) report.bystander.closes++
      })
    })
    // well under the per-connection budget, with every event acknowledged
    const pace = pacer(8)
    let turn = 0
    while (fuzzing) {
      await pace()
      const from = clients[turn % 2]!
      const to = clients[(turn + 1) % 2]!
      turn++
      const id = newId()
      from.send({ type: 'send', id, conversationId: conversation, text: unicodeText(new Rng(turn), 300) })
      try {
        const reply = await from.reply(id, REPLY_TIMEOUT_MS)
        if (reply.type !== 'ack') violation(`bystander message refused: ${JSON.stringify(reply)}`)
        await to.next((f) => f.type === 'event' && f.event.kind === 'message' && f.event.id === id, REPLY_TIMEOUT_MS)
        bystanderIds.push(id)
        report.bystander.messages++
      } catch (err) {
        violation(`bystander message ${id} not delivered: ${(err as Error).message.slice(0, 200)}`)
      }
    }
    for (const client of clients) await client.sync()
    for (const counts of seen) for (const n of counts.values()) if (n > 1) report.bystander.duplicates++
    // every message reached both of them (the sender gets its own back from its log)
    for (const id of bystanderIds) for (const counts of seen) if (counts.get(id) !== 1) violation(`bystander message ${id} seen ${counts.get(id) ?? 0} times`)
    await Promise.all(clients.map((c) => c.close()))
  }

  // ---------------------------------------------------------------- unauthenticated garbage
  async function runUnauthenticated(count: number): Promise<void> {
    const pace = pacer(40)
    for (let i = 0; i < count; i++) {
      await pace()
      const kind = rng.pick(['http', 'http', 'http', 'upgrade', 'tcp', 'ws-junk'] as const)
      bump(report.unauthenticatedByKind, kind)
      report.unauthenticated++
      try {
        const problem =
          kind === 'http' ? await httpGarbage() : kind === 'upgrade' ? await upgradeGarbage() : kind === 'tcp' ? await tcpGarbage() : await wsJunk()
        if (problem) violation(`[${kind}] ${problem}`)
      } catch (err) {
        violation(`[${kind}] threw ${(err as Error).message}`)
      }
    }
  }

  async function httpGarbage(): Promise<string | null> {
    const method = rng.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])
    const path = rng.pick(['/v1/accounts', '/v1/sessions', '/v1/sessions/current', '/v1/health', WS_PATH, '/../../etc/passwd', '/%00', `/${'a'.repeat(4_000)}`, '/v1/accounts?x=' + encodeURIComponent(wellFormed(unicodeText(rng, 50)))])
    const headers: Record<string, string> = {}
    if (rng.chance(0.3)) headers.authorization = rng.pick(['Bearer', 'Bearer ' + 'x'.repeat(43), 'Basic YTpi', `Bearer ${randomBytes(32).toString('base64url')}`])
    if (rng.chance(0.1)) headers.origin = 'http://evil.example'
    if (rng.chance(0.5)) headers['content-type'] = rng.pick(['application/json', 'text/plain', 'multipart/form-data; boundary=x'])
    const body =
      method === 'GET' || method === 'OPTIONS'
        ? undefined
        : rng.pick([
            '',
            '{',
            'null',
            '[]',
            JSON.stringify({ username: unicodeText(rng, 40), password: 'x', deviceId: 'nope' }),
            JSON.stringify({ username: 'a', password: 'p'.repeat(300), deviceId: newId() }),
            JSON.stringify({ username: 'no_such_user_xyz', password: 'wrong password', deviceId: newId() }),
            'x'.repeat(20 * 1024),
            randomBytes(200).toString('latin1'),
          ])
    const res = await fetch(target.httpUrl + path, { method, headers, body, signal: AbortSignal.timeout(REPLY_TIMEOUT_MS) })
    const text = await res.text()
    if (res.status >= 500) return `${method} ${path.slice(0, 40)} answered ${res.status}`
    if (res.status >= 400) {
      const parsed = HttpErrorBody.safeParse(safeJson(text))
      if (!parsed.success) return `${method} ${path.slice(0, 40)} ${res.status} without an error body: ${text.slice(0, 100)}`
    }
    return null
  }

  async function upgradeGarbage(): Promise<string | null> {
    const token = rng.pick([null, '', 'x'.repeat(43), randomBytes(32).toString('base64url'), unicodeText(rng, 30)])
    const origin = rng.chance(0.3) ? 'http://evil.example' : undefined
    const path = rng.pick([WS_PATH, '/v1/wss', '/'])
    const status = await new Promise<number>((resolve) => {
      const headers: Record<string, string> = {}
      // header values must be latin1: a unicode token goes percent-encoded, still garbage
      if (token !== null) headers.authorization = `Bearer ${encodeURIComponent(wellFormed(token))}`
      const ws = new WebSocket(server.url + path, { headers, ...(origin ? { origin } : {}) })
      ws.on('unexpected-response', (_req, res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      ws.on('open', () => {
        ws.terminate()
        resolve(101)
      })
      ws.on('error', () => resolve(-1))
    })
    const acceptable = path !== WS_PATH ? [404] : origin ? [403] : [401]
    return acceptable.includes(status) ? null : `upgrade to ${path} (origin ${String(origin)}) answered ${status}`
  }

  async function tcpGarbage(): Promise<string | null> {
    const payload = rng.pick([
      () => randomBytes(rng.int(1, 2_000)),
      () => Buffer.from('GET / HTTP/9.9\r\n\r\n'),
      () => Buffer.from(`GET /v1/health HTTP/1.1\r\nHost: x\r\nX: ${'y'.repeat(20_000)}\r\n\r\n`),
      () => Buffer.from('POST /v1/accounts HTTP/1.1\r\nContent-Length: -5\r\n\r\n'),
      () => Buffer.from('POST /v1/accounts HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nzzz\r\n'),
    ])()
    const answer = await rawExchange(payload)
    if (answer === 'timeout') return 'the server kept a garbage TCP connection open'
    return answer === '' || /^HTTP\/1\.[01] [45]\d\d /.test(answer) ? null : `unexpected answer ${answer.slice(0, 80)}`
  }

  /** A valid upgrade, then bytes that are not WebSocket frames: the server must close with a protocol error. */
  async function wsJunk(): Promise<string | null> {
    const key = randomBytes(16).toString('base64')
    const request = Buffer.from(
      `GET ${WS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${rawDevice.token}\r\n\r\n`,
    )
    const junk = rng.pick([
      // RSV bits without a negotiated extension: invalid whatever follows
      () => Buffer.concat([Buffer.from([0x70 | rng.int(0, 255)]), randomBytes(rng.int(1, 500))]),
      () => Buffer.from([0x81, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]), // unmasked text frame
      () => Buffer.from([0x83, 0x80, 1, 2, 3, 4]), // reserved opcode
      () => Buffer.from([0xc1, 0x80, 1, 2, 3, 4]), // RSV1 without an extension
      () => Buffer.from([0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]), // 2^63 bytes announced
      () => Buffer.from([0x89, 0xfe, 0x01, 0x00, 1, 2, 3, 4]), // a 256-byte ping (control frames are ≤125)
    ])()
    const answer = await rawExchange(Buffer.concat([request, junk]), true)
    if (answer === 'timeout') return 'the server kept a junk WebSocket open'
    if (!answer.startsWith('HTTP/1.1 101')) return `upgrade answered ${answer.slice(0, 40)}`
    const body = Buffer.from(answer.slice(answer.indexOf('\r\n\r\n') + 4), 'latin1')
    const close = body.indexOf(0x88)
    if (close < 0) return null // terminated without a close frame: also a close
    const code = body.readUInt16BE(close + 2)
    bump(report.closes, String(code))
    return [1002, 1007, 1009].includes(code) ? null : `junk closed with ${code}`
  }

  function rawExchange(payload: Buffer, keepBinary = false): Promise<string> {
    const { port } = new URL(target.httpUrl)
    return new Promise((resolve) => {
      const chunks: Buffer[] = []
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(payload))
      const timer = setTimeout(() => {
        socket.destroy()
        resolve('timeout')
      }, REPLY_TIMEOUT_MS)
      socket.on('data', (c) => chunks.push(c))
      socket.on('error', () => {})
      socket.on('close', () => {
        clearTimeout(timer)
        resolve(Buffer.concat(chunks).toString(keepBinary ? 'latin1' : 'utf8'))
      })
    })
  }
}

// ---------------------------------------------------------------- plumbing

/** One fuzzing WebSocket: answers (non-event frames) in arrival order, and how it closed. */
class LaneSocket {
  greeted = false
  preHelloLeft = 0
  onEvent: (seq: number) => void = () => {}
  private readonly replies: ServerFrame[] = []
  private waiter: (() => void) | null = null
  private closeCode: number | null = null

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame
      if (frame.type === 'event') this.onEvent(frame.seq)
      else this.replies.push(frame)
      this.waiter?.()
    })
    ws.on('close', (code) => {
      this.closeCode = code
      this.waiter?.()
    })
    ws.on('error', () => {})
  }

  static async open(url: string, token: string, preHello: number): Promise<LaneSocket> {
    const ws = new WebSocket(url + WS_PATH, { headers: { authorization: `Bearer ${token}` } })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    const socket = new LaneSocket(ws)
    socket.preHelloLeft = preHello
    return socket
  }

  send(fc: FuzzCase): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(fc.bytes, { binary: fc.binary })
  }

  async nextReply(timeoutMs: number): Promise<ServerFrame | 'closed' | 'timeout'> {
    const got = await this.until(() => this.replies.length > 0 || this.closeCode !== null, timeoutMs)
    if (this.replies.length > 0) return this.replies.shift()!
    return got ? 'closed' : 'timeout'
  }

  async closedWithin(timeoutMs: number): Promise<number | null> {
    await this.until(() => this.closeCode !== null, timeoutMs)
    return this.closeCode
  }

  dispose(): void {
    this.ws.terminate()
  }

  private until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    if (condition()) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null
        resolve(false)
      }, timeoutMs)
      this.waiter = () => {
        if (!condition()) return
        clearTimeout(timer)
        this.waiter = null
        resolve(true)
      }
    })
  }
}

/** Lone surrogates replaced, so the string can be percent-encoded (String.prototype.toWellFormed is ES2024). */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10
}


/**
 * The campaign's verdict, shared by the full run and its bounded form: every answer as the
 * protocol says, nobody else disturbed, the server never failed, memory bounded.
 */
export function campaignProblems(report: CampaignReport, opts: { frames: number; unauthenticated: number; rssGrowthMb: number; rssPeakMb: number }): string[] {
  const problems: string[] = [...report.violations]
  if (report.frames < opts.frames) problems.push(`only ${report.frames} frames sent`)
  if (report.unauthenticated < opts.unauthenticated) problems.push(`only ${report.unauthenticated} unauthenticated requests`)
  if ((report.errorFrames.INTERNAL ?? 0) > 0) problems.push(`${report.errorFrames.INTERNAL} INTERNAL errors`)
  if (report.rateLimited > 0) problems.push(`${report.rateLimited} frames were rate limited: the fuzzer must be paced under the limits`)
  const b = report.bystander
  if (b.messages === 0 || b.duplicates || b.foreign || b.errors || b.closes) problems.push(`bystanders noticed something: ${JSON.stringify(b)}`)
  if (report.serverErrors.length > 0) problems.push(`server logged errors: ${report.serverErrors.slice(0, 3).join('\n')}`)
  if (!report.serverRunning) problems.push('the server process died')
  // transient peaks are expected (each password hash takes 128 MiB, two at a time); what must not happen is growth
  if (report.rss.finalMb - report.rss.baselineMb > opts.rssGrowthMb) {
    problems.push(`server memory grew from ${report.rss.baselineMb} MB to ${report.rss.finalMb} MB`)
  }
  if (report.rss.peakMb > opts.rssPeakMb) problems.push(`server memory peaked at ${report.rss.peakMb} MB`)
  return problems
}
