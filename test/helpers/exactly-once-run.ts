/**
 * The end-to-end fault campaign: client cores in child processes chat through a real
 * server process while the harness SIGKILLs and restarts the server, SIGKILLs and
 * restarts clients, and drops client sockets, all at random moments. Every message and
 * withdraw goes through the bridge, as the renderer would call it.
 *
 * What is checked:
 * - after every client kill: `PRAGMA integrity_check` of the files it left behind; after
 *   its restart, every message the server had acknowledged to its sender reaches it again
 *   (resync), and nothing it had already withdrawn comes back;
 * - throughout: once a client emitted `message:withdrawn` for a message (or had it as a
 *   notice on disk), it never emits `message:added` for it again; a client that was down
 *   from before a message was sent until after its withdraw was acknowledged never emits
 *   `message:added` for it at all; no client emits `message:added` twice for one id;
 * - at the end, in every client database (read from disk): exactly the messages that were
 *   sent and not withdrawn, each once, no withdrawn one as text, the same order in every
 *   member's database, and each sender's messages in the order they were sent; empty
 *   outboxes; every own message acknowledged.
 *
 * With `cluster`, the same campaign runs across nodes: one PostgreSQL database and one
 * nats-server, started here and torn down after, and `nodes` server processes on them;
 * client i talks to node i % nodes, so conversations cross nodes. A server kill takes a
 * node at random, and the engines fail too: nats-server SIGKILLed and restarted, and
 * PostgreSQL stopped in immediate mode (a crash for its data) and started again.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import { expect } from 'vitest'
import { directConversationId } from '../../src/shared/protocol'
import { ClientProcess, type RecordedEvent } from './client-process'
import { inspectCrashedProfile, readProfileDb, ShownLog } from './crash-checks'
import { type NatsServer, startNats } from './engines/nats'
import { type PostgresInstance, startPostgres } from './engines/postgres'
import { FIGURES_DIR } from './figures'
import { FlightRecorder } from './flight-recorder'
import { Rng, UNICODE_SAMPLES } from './fuzz-frames'
import { launchServer, type ServerProcess, serverErrors } from './server-process'

export interface ExactlyOnceOptions {
  /** Names the figures and the flight record (test-results/faults/<name>/). */
  name: string
  clients: number
  messages: number
  withdraws: number
  serverKills: number
  clientKills: number
  socketDrops: number
  seed?: number
  /** Messages a client may have waiting for the server's ack before the harness holds back. */
  backlog?: number
  /** Run across `nodes` server processes on one PostgreSQL and one nats-server, which fail too. */
  cluster?: { nodes: number; natsRestarts: number; postgresStops: number }
}

export interface ExactlyOnceReport {
  seed: number
  clients: number
  messages: number
  withdraws: number
  serverKills: number
  clientKills: number
  socketDrops: number
  /** Cluster runs only: server processes, nats-server restarts, PostgreSQL immediate stops. */
  nodes?: number
  natsRestarts?: number
  postgresStops?: number
  /** Client kills after which the files passed integrity_check. */
  integrityOk: number
  /** Sends and withdraws whose reply a client kill swallowed (decided afterwards from the database). */
  unknownOutcomes: number
  /** Cases where a receiver was down from before a send until after its withdraw was acknowledged. */
  offlineWithdraws: number
  lost: number
  duplicated: number
  resurrected: number
  reordered: number
  problems: string[]
  serverErrors: string[]
  /** The flight record of the messages the problems name (written only when there are problems). */
  record: string | null
  durationMs: number
}

interface Tracked {
  token: string
  id: string | null
  sender: string
  conversationId: string
  /** Harness clock when the send was requested. */
  requestedAt: number
  /** 'unknown': the sender died before answering; decided from its database when it is back. */
  status: 'pending' | 'stored' | 'unknown' | 'never'
  withdraw: 'none' | 'pending' | 'unknown' | 'done'
  /** Harness clock when the server acknowledged the withdraw, if the call said so. */
  withdrawAckedAt: number | null
}

interface Participant {
  name: string
  proc: ClientProcess
  /** The server it talks to. */
  node: Node
  busy: boolean
  /** Harness clock intervals when the process was dead: [killedAt, restartedAt]. */
  deaths: Array<[number, number]>
  /** Tokens of sends in flight when it was killed. */
  sends: Tracked[]
}

/** A server process and its name in the flight record ('server', or 'node1', 'node2', …). */
interface Node {
  name: string
  proc: ServerProcess
}

interface Engines {
  postgres: PostgresInstance
  nats: NatsServer
}

type FaultKind = 'server' | 'client' | 'drop' | 'nats' | 'postgres'

const SETTLE_TIMEOUT_MS = 90_000
const RESYNC_TIMEOUT_MS = 60_000
/**
 * No new send for this long while messages are still due: every client is held back by its
 * unacknowledged backlog (a server that stopped answering, or exited on its own). The run
 * stops sending, says so, and goes on to its end checks instead of hanging until the test's timeout.
 */
const STALL_MS = 150_000

export async function runExactlyOnceCampaign(opts: ExactlyOnceOptions): Promise<ExactlyOnceReport> {
  const cluster = opts.cluster
  const names = cluster ? Array.from({ length: cluster.nodes }, (_, i) => `node${i + 1}`) : ['server']
  const recorder = new FlightRecorder(path.join(FIGURES_DIR, opts.name), cluster ? [...names, 'nats', 'postgres'] : names)
  const args = ['--recall-window-seconds', '0']
  // debug: the server logs the id of every send and withdraw it handles (never text)
  const launch = (name: string, extra: string[] = []) => launchServer({ args: [...args, ...extra], logLevel: 'debug', onLog: recorder.logSink(name) })
  if (!cluster) {
    const server = await launch('server')
    try {
      return await campaign(opts, [{ name: 'server', proc: server }], null, recorder)
    } finally {
      await server.dispose()
    }
  }
  let postgres: PostgresInstance | undefined
  let nats: NatsServer | undefined
  const nodes: Node[] = []
  try {
    postgres = await startPostgres()
    nats = await startNats()
    const engineArgs = ['--database', await postgres.createDatabase('parley_faults'), '--nats', nats.url]
    // one after the other: the first migrates the schema
    for (const name of names) nodes.push({ name, proc: await launch(name, engineArgs) })
    return await campaign(opts, nodes, { postgres, nats }, recorder)
  } finally {
    await Promise.all(nodes.map((n) => n.proc.dispose()))
    await Promise.all([nats?.stop({ kill: true }), postgres?.stop()])
  }
}

async function campaign(opts: ExactlyOnceOptions, nodes: Node[], engines: Engines | null, recorder: FlightRecorder): Promise<ExactlyOnceReport> {
  const seed = opts.seed ?? Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 32))
  const rng = new Rng(seed)
  const started = performance.now()
  const now = () => performance.now()
  const report: ExactlyOnceReport = {
    seed,
    clients: opts.clients,
    messages: 0,
    withdraws: 0,
    serverKills: 0,
    clientKills: 0,
    socketDrops: 0,
    ...(engines ? { nodes: nodes.length, natsRestarts: 0, postgresStops: 0 } : {}),
    integrityOk: 0,
    unknownOutcomes: 0,
    offlineWithdraws: 0,
    lost: 0,
    duplicated: 0,
    resurrected: 0,
    reordered: 0,
    problems: [],
    serverErrors: [],
    record: null,
    durationMs: 0,
  }
  const problem = (text: string) => {
    if (report.problems.length < 100) report.problems.push(text)
  }
  const flag = (counter: 'lost' | 'duplicated' | 'resurrected' | 'reordered', text: string) => {
    report[counter]++
    problem(text)
  }
  const background = new Set<Promise<void>>()
  /** Bridge calls still waiting for their answer. */
  const calls = new Set<Promise<unknown>>()
  const inFlight = <T>(call: Promise<T>): Promise<T> => {
    calls.add(call)
    void call.finally(() => calls.delete(call))
    return call
  }
  const spawnTask = (task: () => Promise<void>) => {
    const p = task().catch((err: unknown) => problem(`task failed: ${(err as Error).stack ?? String(err)}`))
    background.add(p)
    void p.finally(() => background.delete(p))
  }

  // ---------------------------------------------------------------- people
  const profilesRoot = mkdtempSync(path.join(tmpdir(), 'parley-faults-profiles-'))
  const suffix = seed.toString(36).slice(0, 5)
  const people: Participant[] = Array.from({ length: opts.clients }, (_, i) => {
    const name = `p${i}_${suffix}`
    const node = nodes[i % nodes.length]!
    const proc = new ClientProcess(name, path.join(profilesRoot, name), node.proc.url, { logLevel: 'debug', onLog: recorder.logSink(name) })
    return { name, proc, node, busy: false, deaths: [], sends: [] }
  })
  const byName = new Map(people.map((p) => [p.name, p]))
  const tracked: Tracked[] = []
  const byToken = new Map<string, Tracked>()
  const byId = new Map<string, Tracked>()
  /** Per sender, tracked messages in the order their sends were requested. */
  const sendOrder = new Map<string, Tracked[]>(people.map((p) => [p.name, []]))
  /** Ids of messages whose sender showed them as sent: the server acknowledged them. */
  const confirmedIds = new Set<string>()
  const isConfirmed = (t: Tracked) => t.id !== null && confirmedIds.has(t.id)
  /** One outage at a time, of a node or an engine: a node starts only while the engines are up. */
  let serverBusy = false
  const shown = new Map<string, ShownLog>()

  for (const p of people) {
    await p.proc.start()
    await signUp(p)
    watchEvents(p)
  }
  for (const p of people) {
    for (const q of people) if (q !== p) await p.proc.call('openDirect', { username: q.name })
  }

  // ---------------------------------------------------------------- the run
  const faults = schedule()
  const withdrawShare = opts.withdraws / opts.messages
  let lastCount = report.messages
  let lastProgressAt = now()
  while (report.messages < opts.messages) {
    if (report.messages !== lastCount) [lastCount, lastProgressAt] = [report.messages, now()]
    else if (now() - lastProgressAt > STALL_MS) {
      const down = nodes.filter((n) => !n.proc.running).map((n) => n.name)
      problem(
        `the run stalled at ${report.messages} messages: nothing sent for ${STALL_MS / 1000} s; backlogs ${people.map((p) => `${p.name} ${backlogOf(p)}`).join(', ')}` +
          `; servers not running: ${down.join(', ') || 'none'}${serverBusy ? ' (an outage is under way)' : ''}`,
      )
      break
    }
    while (faults.length > 0 && faults[0]!.at <= report.messages) runFault(faults.shift()!.kind)
    let progressed = false
    for (const p of people) {
      if (!p.proc.running || p.busy || backlogOf(p) >= (opts.backlog ?? 40)) continue
      void send(p)
      progressed = true
      if (rng.chance(withdrawShare * 1.05)) void withdrawOne(p)
    }
    await new Promise((r) => setTimeout(r, progressed ? 15 : 50))
  }
  for (const f of faults) runFault(f.kind)
  // the faults are over: every outage ends, every call gets its answer or dies with its process
  while (background.size > 0 || calls.size > 0) await Promise.all([...background, ...calls])
  for (const n of nodes) if (!n.proc.running) await n.proc.start()
  for (const p of people) if (!p.proc.running) await restart(p)
  await decideUnknownWithdraws()
  await topUp()
  await settle()
  for (const p of people) await p.proc.stop()
  verifyFinal()
  report.serverErrors =
    nodes.length === 1 ? serverErrors(nodes[0]!.proc.log()) : nodes.flatMap((n) => serverErrors(n.proc.log()).map((line) => `${n.name}: ${line}`))
  if (report.problems.length > 0) report.record = recorder.explain(recorder.named(report.problems))
  report.durationMs = Math.round(now() - started)
  rmSync(profilesRoot, { recursive: true, force: true })
  return report

  // ---------------------------------------------------------------- actions

  /**
   * A password hash takes seconds on a loaded machine, longer than the client waits for an
   * HTTP answer: a sign-up that timed out may still have created the account, so it is
   * followed by sign-ins until one answers.
   */
  async function signUp(p: Participant): Promise<void> {
    const credentials = { username: p.name, password: 'fault-run-password' }
    let answer = await p.proc.call('signUp', credentials)
    for (let attempt = 1; answer?.ok === false && answer.error.code === 'SERVER_UNREACHABLE' && attempt < 10; attempt++) {
      answer = await p.proc.call('signIn', credentials)
    }
    if (!answer?.ok) throw new Error(`sign-up of ${p.name} failed: ${JSON.stringify(answer)}`)
  }

  function backlogOf(p: Participant): number {
    let n = 0
    for (const t of sendOrder.get(p.name)!.slice(-200)) if (t.status !== 'never' && !isConfirmed(t) && t.withdraw === 'none') n++
    return n
  }

  async function send(p: Participant, peer = rng.pick(people.filter((q) => q !== p))): Promise<Tracked> {
    const token = `t${tracked.length.toString(36)}x${rng.int(0, 1e9).toString(36)}`
    const t: Tracked = {
      token,
      id: null,
      sender: p.name,
      conversationId: directConversationId(p.name, peer.name),
      requestedAt: now(),
      status: 'pending',
      withdraw: 'none',
      withdrawAckedAt: null,
    }
    tracked.push(t)
    byToken.set(token, t)
    sendOrder.get(p.name)!.push(t)
    report.messages++
    recorder.track(token, [p.name, peer.name])
    recorder.note(token, p.name, `sendMessage to ${peer.name} (life ${p.proc.life})`)
    const text = `${token} ${rng.pick(UNICODE_SAMPLES)} ${'·'.repeat(rng.int(0, 40))}`
    const result = await inFlight(p.proc.call('sendMessage', { conversationId: t.conversationId, text }))
    if (result === null) {
      recorder.note(token, p.name, 'sendMessage: no answer (the process died)')
      t.status = 'unknown'
      report.unknownOutcomes++
      return t
    }
    if (!result.ok) {
      recorder.note(token, p.name, `sendMessage refused: ${result.error.code}`)
      problem(`send by ${p.name} refused: ${result.error.code} ${result.error.message}`)
      t.status = 'never'
      report.messages--
      return t
    }
    identify(t, result.value.id)
    recorder.note(token, p.name, `sendMessage answered: ${result.value.id} ${result.value.state}`)
    t.status = 'stored'
    return t
  }

  function identify(t: Tracked, id: string): void {
    t.id = id
    byId.set(id, t)
    recorder.identify(t.token, id)
  }

  function candidates(p: Participant): Tracked[] {
    return sendOrder
      .get(p.name)!
      .slice(-60)
      .filter((t) => t.status === 'stored' && t.withdraw === 'none')
  }

  /** Withdraws one of `p`'s recent messages; resolves with the answer. */
  async function withdrawOne(p: Participant): Promise<void> {
    const options = candidates(p)
    if (options.length === 0) return
    const t = rng.pick(options)
    t.withdraw = 'pending'
    recorder.note(t.token, p.name, `withdrawMessage (life ${p.proc.life})`)
    const result = await inFlight(p.proc.call('withdrawMessage', { messageId: t.id! }))
    if (result === null) {
      recorder.note(t.token, p.name, 'withdrawMessage: no answer (the process died)')
      t.withdraw = 'unknown'
      report.unknownOutcomes++
      return
    }
    if (!result.ok) {
      recorder.note(t.token, p.name, `withdrawMessage refused: ${result.error.code}`)
      problem(`withdraw of ${t.id} by ${p.name} refused: ${result.error.code} ${result.error.message}`)
      t.withdraw = 'none'
      return
    }
    recorder.note(t.token, p.name, `withdrawMessage answered: ${result.value.outcome}`)
    t.withdraw = 'done'
    report.withdraws++
    if (result.value.outcome === 'withdrawn') t.withdrawAckedAt = now()
  }

  function schedule(): Array<{ at: number; kind: FaultKind }> {
    const plan: Array<{ at: number; kind: FaultKind }> = []
    const spread = (count: number, kind: FaultKind) => {
      for (let i = 0; i < count; i++) plan.push({ at: Math.floor(((i + rng.next()) / count) * opts.messages * 0.97), kind })
    }
    spread(opts.serverKills, 'server')
    spread(opts.clientKills, 'client')
    spread(opts.socketDrops, 'drop')
    if (opts.cluster) {
      spread(opts.cluster.natsRestarts, 'nats')
      spread(opts.cluster.postgresStops, 'postgres')
    }
    return plan.sort((a, b) => a.at - b.at)
  }

  async function outage(during: () => Promise<void>): Promise<void> {
    // one outage at a time: a fault due while something is down waits for it to be back
    while (serverBusy) await new Promise((r) => setTimeout(r, 50))
    serverBusy = true
    try {
      await during()
    } finally {
      serverBusy = false
    }
  }

  function runFault(kind: FaultKind): void {
    if (kind === 'nats') {
      report.natsRestarts = (report.natsRestarts ?? 0) + 1
      spawnTask(() =>
        outage(async () => {
          recorder.fault('nats', 'SIGKILL')
          await engines!.nats.restart({ kill: true })
          recorder.fault('nats', 'restarted')
        }),
      )
      return
    }
    if (kind === 'postgres') {
      report.postgresStops = (report.postgresStops ?? 0) + 1
      spawnTask(() =>
        outage(async () => {
          recorder.fault('postgres', 'pg_ctl stop -m immediate')
          await engines!.postgres.stopImmediate()
          recorder.fault('postgres', 'stopped')
          await new Promise((r) => setTimeout(r, rng.int(100, 1_500)))
          await engines!.postgres.start()
          recorder.fault('postgres', 'started (recovered, accepting connections)')
        }),
      )
      return
    }
    if (kind === 'drop') {
      const up = people.filter((p) => p.proc.running && !p.busy)
      if (up.length === 0) return
      report.socketDrops++
      const victim = rng.pick(up)
      recorder.fault(victim.name, 'socket dropped')
      void victim.proc.dropSocket()
      return
    }
    if (kind === 'server') {
      report.serverKills++
      const node = nodes.length === 1 ? nodes[0]! : rng.pick(nodes)
      spawnTask(() =>
        outage(async () => {
          recorder.fault(node.name, 'SIGKILL')
          await node.proc.kill()
          await new Promise((r) => setTimeout(r, rng.int(100, 1_500)))
          await node.proc.start()
          recorder.fault(node.name, 'restarted')
        }),
      )
      return
    }
    report.clientKills++
    spawnTask(async () => {
      let up = people.filter((p) => p.proc.running && !p.busy)
      while (up.length === 0) {
        await new Promise((r) => setTimeout(r, 50))
        up = people.filter((p) => p.proc.running && !p.busy)
      }
      const victim = rng.pick(up)
      victim.busy = true
      const killedAt = now()
      recorder.fault(victim.name, `SIGKILL (life ${victim.proc.life})`)
      await victim.proc.kill()
      const snapshot = inspectAfterCrash(victim)
      await new Promise((r) => setTimeout(r, rng.int(200, 1_500)))
      await restart(victim)
      victim.deaths.push([killedAt, now()])
      victim.busy = false
      if (snapshot) await resync(victim, snapshot, killedAt)
    })
  }

  async function restart(p: Participant): Promise<void> {
    await p.proc.start(p.node.proc.url)
    recorder.fault(p.name, `restarted (life ${p.proc.life})`)
    await decideUnknownSends(p)
  }

  /**
   * Withdraws whose answer died with the process, decided once nothing is in flight any more
   * and the sender's device has caught up with the server: the command may have left the
   * device before the device recorded it (services/withdraw-sender.ts writes the frame first),
   * so right after a restart the device's disk can still show a message the server already
   * withdrew, until the relayed command from the user's own log arrives. What the user sees
   * once caught up is the outcome: a notice (or a command still queued, which goes on the
   * next connect) means it happened; the message as text means it did not.
   */
  async function decideUnknownWithdraws(): Promise<void> {
    for (const p of people) {
      const unknown = sendOrder.get(p.name)!.filter((t) => t.withdraw === 'unknown')
      if (unknown.length === 0) continue
      await catchUp(p)
      await readDbWhenFree(p, (db) => {
        const kindOf = db.prepare('SELECT kind FROM messages WHERE id = ?').pluck()
        const queuedCmd = db.prepare("SELECT 1 FROM outbox WHERE kind = 'cmd' AND message_id = ?").pluck()
        for (const t of unknown) {
          const kind = kindOf.get(t.id) as string | undefined
          const queued = queuedCmd.get(t.id) !== undefined
          recorder.note(t.token, 'harness', `unknown withdraw decided from ${p.name}'s caught-up database: ${kind ?? 'no row'}, command queued ${queued}`)
          if (kind === 'notice' || queued) {
            t.withdraw = 'done'
            report.withdraws++
          } else {
            t.withdraw = 'none'
            if (kind !== 'text') problem(`${p.name}: its own ${t.id} (${t.token}) is neither a message nor a notice`)
          }
        }
      })
    }
  }

  /**
   * Until `p`'s device has applied everything its log held before now: a message sent to it
   * now is appended to its log after all of that, and the device applies its log in order.
   */
  async function catchUp(p: Participant): Promise<void> {
    const barrier = await send(rng.pick(people.filter((q) => q !== p)), p)
    const deadline = now() + RESYNC_TIMEOUT_MS
    while (now() < deadline) {
      if (barrier.id !== null && readDb(p, (db) => db.prepare('SELECT 1 FROM messages WHERE id = ?').pluck().get(barrier.id))) return
      await new Promise((r) => setTimeout(r, 100))
    }
    problem(`${p.name} did not catch up with the server: ${barrier.token} never arrived`)
  }

  /**
   * The volume floors, counted once every unknown outcome is decided (a send cut by a kill
   * may turn out never to have been stored): no faults any more, so every call is answered.
   */
  async function topUp(): Promise<void> {
    while (report.messages < opts.messages) await send(rng.pick(people))
    while (report.withdraws < opts.withdraws) {
      const p = people.find((x) => candidates(x).length > 0)
      if (p) await withdrawOne(p)
      else await send(rng.pick(people))
    }
  }

  // ---------------------------------------------------------------- what a kill left behind

  interface Snapshot {
    notices: Set<string>
  }

  function inspectAfterCrash(p: Participant): Snapshot | null {
    try {
      const { integrity, notices } = inspectCrashedProfile(p.proc.profileDir)
      if (integrity === 'ok') report.integrityOk++
      else problem(`${p.name}: integrity_check after kill: ${integrity}`)
      shown.get(p.name)!.rememberNotices(notices)
      return { notices }
    } catch (err) {
      problem(`${p.name}: cannot inspect its files after a kill: ${(err as Error).message}`)
      return null
    }
  }

  /**
   * Sends whose answer died with the process: the database says whether they happened (a
   * message is committed with its outbox row before anything leaves the device).
   */
  async function decideUnknownSends(p: Participant): Promise<void> {
    await readDbWhenFree(p, (db) => {
      const byText = db.prepare("SELECT id FROM messages WHERE sender = ? AND kind = 'text' AND text LIKE ? || ' %'").pluck()
      for (const t of sendOrder.get(p.name)!) {
        if (t.status !== 'unknown') continue
        const ids = byText.all(p.name, t.token) as string[]
        if (ids.length > 1) flag('duplicated', `${p.name} stored ${t.token} ${ids.length} times`)
        if (ids.length === 0) {
          // never committed: it does not exist (a withdraw of it is impossible)
          recorder.note(t.token, 'harness', 'unknown send decided: never stored')
          t.status = 'never'
          report.messages--
          report.unknownOutcomes--
          continue
        }
        identify(t, ids[0]!)
        t.status = 'stored'
        const state = db.prepare('SELECT state FROM messages WHERE id = ?').pluck().get(t.id)
        recorder.note(t.token, 'harness', `unknown send decided: stored as ${t.id}, state ${String(state)}`)
        if (state === 'sent' || state === 'delivered') confirmedIds.add(t.id!)
      }
    })
  }

  /** After a restart: what the server had acknowledged before the kill reaches this client again, and no notice turns back into text. */
  async function resync(p: Participant, snapshot: Snapshot, killedAt: number): Promise<void> {
    const expected = tracked.filter(
      (t) => isConfirmed(t) && t.requestedAt < killedAt && t.conversationId.split(':').includes(p.name),
    )
    const deadline = now() + RESYNC_TIMEOUT_MS
    for (;;) {
      const missing = readDb(p, (db) => {
        const has = db.prepare('SELECT kind FROM messages WHERE id = ?').pluck()
        for (const id of snapshot.notices) {
          if (has.get(id) === 'text') flag('resurrected', `${p.name}: ${id} was a notice before the kill and is text after it`)
        }
        snapshot.notices.clear()
        return expected.filter((t) => has.get(t.id) === undefined)
      })
      // null: the database was busy for a moment (a checkpoint); read again
      if (missing !== null && missing.length === 0) return
      if (now() > deadline) {
        if (missing === null) problem(`${p.name}: its database stayed busy after its restart`)
        else {
          report.lost += missing.length
          problem(`${p.name}: after its restart ${missing.length} acknowledged messages never came back, e.g. ${missing[0]!.id}`)
        }
        return
      }
      await new Promise((r) => setTimeout(r, 250))
    }
  }

  // ---------------------------------------------------------------- events

  function watchEvents(p: Participant): void {
    const log = new ShownLog(
      p.name,
      (msgId, text) => {
        const t = byId.get(msgId) ?? byToken.get(text?.split(' ')[0] ?? '')
        // down from before it was sent until after its withdraw was acknowledged: it must never have appeared
        return !!t && t.sender !== p.name && t.withdrawAckedAt !== null && p.deaths.some(([from, to]) => from < t.requestedAt && to > t.withdrawAckedAt!)
      },
      (v) => flag(v.kind, v.text),
    )
    shown.set(p.name, log)
    p.proc.onEvent((e) => {
      noteEvent(p, e)
      if (e.name === 'message:updated') {
        const m = (e as RecordedEvent<'message:updated'>).payload.message
        if (m.sender === p.name && (m.state === 'sent' || m.state === 'delivered')) confirmedIds.add(m.id)
      }
      log.observe(e)
    })
  }

  function noteEvent(p: Participant, e: RecordedEvent): void {
    const life = `(life ${e.life})`
    switch (e.name) {
      case 'message:added':
      case 'message:updated': {
        const m = (e as RecordedEvent<'message:added'>).payload.message
        recorder.note(m.id, p.name, `${e.name} ${m.kind} ${m.state ?? ''} ${life}`)
        return
      }
      case 'message:withdrawn':
        recorder.note((e as RecordedEvent<'message:withdrawn'>).payload.messageId, p.name, `${e.name} ${life}`)
        return
      case 'message:withdraw-failed':
        recorder.note((e as RecordedEvent<'message:withdraw-failed'>).payload.messageId, p.name, `${e.name} ${life}`)
        return
    }
  }

  // ---------------------------------------------------------------- the end state

  function expectedFor(p: Participant) {
    const mine = tracked.filter((t) => t.status === 'stored' && t.conversationId.split(':').includes(p.name))
    return {
      alive: mine.filter((t) => t.withdraw !== 'done'),
      withdrawn: mine.filter((t) => t.withdraw === 'done'),
    }
  }

  async function settle(): Promise<void> {
    const deadline = now() + SETTLE_TIMEOUT_MS
    let why = ''
    while (now() < deadline) {
      why = ''
      for (const p of people) {
        const { alive, withdrawn } = expectedFor(p)
        const state = readDb(p, (db) => ({
          outbox: db.prepare('SELECT count(*) FROM outbox').pluck().get() as number,
          text: new Set(db.prepare("SELECT id FROM messages WHERE kind = 'text'").pluck().all() as string[]),
          unsent: db.prepare("SELECT count(*) FROM messages WHERE sender = ? AND kind = 'text' AND state NOT IN ('sent', 'delivered')").pluck().get(p.name) as number,
        }))
        if (!state) {
          why = `${p.name}: database busy`
          continue
        }
        const missing = alive.filter((t) => !state.text.has(t.id!)).length
        const stillText = withdrawn.filter((t) => state.text.has(t.id!)).length
        if (state.outbox || missing || stillText || state.unsent) {
          why = `${p.name}: outbox ${state.outbox}, missing ${missing}, withdrawn still shown ${stillText}, unacknowledged ${state.unsent}`
        }
      }
      if (!why) return
      await new Promise((r) => setTimeout(r, 500))
    }
    problem(`did not settle: ${why}`)
  }

  function verifyFinal(): void {
    const orderIn = new Map<string, string[]>()
    for (const p of people) {
      const { alive, withdrawn } = expectedFor(p)
      readDb(
        p,
        (db) => {
        const integrity = db.pragma('integrity_check', { simple: true })
        if (integrity !== 'ok') problem(`${p.name}: final integrity_check: ${String(integrity)}`)
        const rows = db
          .prepare("SELECT id, conversation_id AS c, sender, kind, text FROM messages WHERE conversation_id LIKE 'dm:%' ORDER BY conversation_id, ts, id")
          .all() as Array<{ id: string; c: string; sender: string; kind: string; text: string | null }>
        const text = rows.filter((r) => r.kind === 'text')
        const present = new Map(text.map((r) => [r.id, r]))
        for (const t of alive) {
          const row = present.get(t.id!)
          if (!row) flag('lost', `${p.name}: ${t.id} (${t.token} from ${t.sender}) is missing`)
          else if (!row.text?.startsWith(`${t.token} `) || row.sender !== t.sender) problem(`${p.name}: ${t.id} holds the wrong text or sender`)
        }
        for (const t of withdrawn) {
          if (present.has(t.id!)) flag('resurrected', `${p.name}: withdrawn ${t.id} is still there`)
          const row = rows.find((r) => r.id === t.id)
          if (t.sender === p.name && row?.kind !== 'notice') problem(`${p.name}: no notice for its withdrawn ${t.id}`)
        }
        const known = new Set(alive.map((t) => t.id))
        const tokens = new Map<string, number>()
        for (const r of text) {
          if (!known.has(r.id)) problem(`${p.name}: unexpected message ${r.id}: ${r.text?.slice(0, 30)}`)
          const token = r.text?.split(' ')[0] ?? ''
          tokens.set(token, (tokens.get(token) ?? 0) + 1)
        }
        for (const [token, n] of tokens) if (n > 1) flag('duplicated', `${p.name}: ${token} stored ${n} times`)
        // the same conversation reads the same everywhere, and each sender's messages keep their order
        for (const r of text) {
          const key = `${p.name}|${r.c}`
          if (!orderIn.has(key)) orderIn.set(key, [])
          orderIn.get(key)!.push(r.id)
        }
        },
        { writable: true },
      )
    }
    const conversations = new Set([...orderIn.keys()].map((k) => k.split('|')[1]!))
    for (const c of conversations) {
      const [a, b] = c.slice(3).split(':') as [string, string]
      const seqA = orderIn.get(`${a}|${c}`) ?? []
      const seqB = orderIn.get(`${b}|${c}`) ?? []
      if (JSON.stringify(seqA) !== JSON.stringify(seqB)) flag('reordered', `${c}: ${a} and ${b} disagree on the order`)
      for (const sender of [a, b]) {
        const expected = sendOrder
          .get(sender)!
          .filter((t) => t.conversationId === c && t.status === 'stored' && t.withdraw !== 'done')
          .map((t) => t.id)
        const actual = seqA.filter((id) => byId.get(id)?.sender === sender)
        if (JSON.stringify(expected) !== JSON.stringify(actual)) {
          report.reordered++
          const at = expected.findIndex((id, i) => actual[i] !== id)
          problem(`${c}: ${sender}'s messages out of order from #${at}: expected ${expected[at]}, found ${actual[at]}`)
        }
      }
    }
    // a withdraw acknowledged while the receiver was down throughout: counted, to show the case was exercised
    for (const t of tracked) {
      if (t.withdrawAckedAt === null) continue
      const receiver = byName.get(t.conversationId.slice(3).split(':').find((n) => n !== t.sender)!)!
      if (receiver.deaths.some(([from, to]) => from < t.requestedAt && to > t.withdrawAckedAt!)) report.offlineWithdraws++
    }
  }

  function readDb<T>(p: Participant, read: (db: BetterSqlite3.Database) => T, opts: { writable?: boolean } = {}): T | null {
    return readProfileDb(p.proc.profileDir, read, opts)
  }

  /** `readDb`, read again while the database is busy for a moment (a checkpoint): a decision must not be skipped. */
  async function readDbWhenFree<T>(p: Participant, read: (db: BetterSqlite3.Database) => T): Promise<T> {
    for (;;) {
      let value: { v: T } | null = null
      readDb(p, (db) => (value = { v: read(db) }))
      if (value !== null) return (value as { v: T }).v
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

/** The verdict every exactly-once run must meet, full or bounded. */
export function expectCleanExactlyOnceRun(report: ExactlyOnceReport): void {
  expect(report.problems, `the flight record: ${report.record}`).toEqual([])
  expect(report.serverErrors).toEqual([])
  expect({ lost: report.lost, duplicated: report.duplicated, resurrected: report.resurrected, reordered: report.reordered }).toEqual({
    lost: 0,
    duplicated: 0,
    resurrected: 0,
    reordered: 0,
  })
  expect(report.integrityOk).toBe(report.clientKills)
}
