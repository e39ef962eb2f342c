/**
 * Server crash campaign: senders pipeline bursts of messages and withdraws while the
 * server is SIGKILLed at random points (after a random number of answers, or a random
 * time into the burst), then restarted on the same data directory. After every kill the
 * database must pass `PRAGMA integrity_check`, and after every restart the logs must hold
 * every message the server acknowledged (unless an acknowledged withdraw took it), must
 * not hold any message whose withdraw was acknowledged, and must hold nothing twice.
 * Requests whose answer was lost are resent with the same id, as clients do.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { expect } from 'vitest'
import { newId } from '../../src/shared/ids'
import { directConversationId, REVOKE_FLAG } from '../../src/shared/protocol'
import { type Account, signIn, signUp, type TestServer as HarnessServer } from '../../src/server/test-support/harness'
import { Rng } from './fuzz-frames'
import { ProtocolDevice } from './protocol-device'
import { type ServerProcess, serverErrors } from './server-process'

export interface ServerCrashOptions {
  kills: number
  /** Requests each sender pipelines per round (kept under the per-connection burst of 120, resends included). */
  burst: number
  /** Share of requests that withdraw one of the sender's acknowledged messages. */
  withdrawShare?: number
  seed?: number
}

export interface ServerCrashReport {
  seed: number
  kills: number
  messagesAcked: number
  withdrawsAcked: number
  /** Requests whose answer the kill swallowed, resent after the restart. */
  resent: number
  /** Resends the server recognised (`duplicate: true`): they had been committed before the kill. */
  resentAlreadyCommitted: number
  integrityFailures: string[]
  lost: number
  duplicated: number
  resurrected: number
  outOfOrder: number
  problems: string[]
  serverErrors: string[]
}

interface Sent {
  id: string
  sender: string
  conversationId: string
  /** Server ts once acknowledged. */
  ts: number | null
  withdrawn: boolean
}

export async function runServerCrashCampaign(server: ServerProcess, opts: ServerCrashOptions): Promise<ServerCrashReport> {
  const seed = opts.seed ?? Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 32))
  const rng = new Rng(seed)
  const target = (): HarnessServer => ({ url: server.url, httpUrl: server.url.replace(/^ws/, 'http'), dataDir: server.dataDir, close: async () => {} })
  const report: ServerCrashReport = {
    seed,
    kills: 0,
    messagesAcked: 0,
    withdrawsAcked: 0,
    resent: 0,
    resentAlreadyCommitted: 0,
    integrityFailures: [],
    lost: 0,
    duplicated: 0,
    resurrected: 0,
    outOfOrder: 0,
    problems: [],
    serverErrors: [],
  }
  const problem = (text: string) => {
    if (report.problems.length < 50) report.problems.push(text)
  }
  const flag = (counter: 'lost' | 'duplicated' | 'resurrected' | 'outOfOrder', text: string) => {
    report[counter]++
    problem(text)
  }

  const names = ['crash_alice', 'crash_bob', 'crash_carol']
  const senders: Account[] = []
  const auditors: Account[] = []
  for (const name of names) {
    senders.push(await signUp(target(), name))
    auditors.push(await signIn(target(), name))
  }
  const conversations = [directConversationId(names[0]!, names[1]!), directConversationId(names[1]!, names[2]!), directConversationId(names[0]!, names[2]!)]
  const members = (conversationId: string) => names.filter((n) => conversationId.split(':').includes(n))

  const messages = new Map<string, Sent>()
  /** Per sender, in the order sent: ts must increase along it. */
  const sendOrder = new Map<string, string[]>(names.map((n) => [n, []]))
  /** Requests whose outcome is unknown (answer lost in a kill), by sender. */
  const unanswered = new Map<string, Record<string, unknown>[]>(names.map((n) => [n, []]))
  /** Withdraw frames in flight or unanswered, by msgId: the message must not be chosen again. */
  const withdrawing = new Set<string>()

  for (let round = 0; round < opts.kills; round++) {
    const devices = await Promise.all(senders.map((s) => connectRetrying(s.token)))
    const answers: Promise<void>[] = []
    let answered = 0
    const killAt = rng.int(0, opts.burst * senders.length)
    const killByTime = rng.chance(0.4)
    let killing: Promise<void> | null = null
    const kill = () => (killing ??= server.kill())

    devices.forEach((device, i) => {
      const sender = senders[i]!.username
      const frames = [...unanswered.get(sender)!.splice(0)]
      report.resent += frames.length
      const resends = new Set(frames)
      while (frames.length < opts.burst) frames.push(nextFrame(sender))
      for (const frame of frames) {
        const isResend = resends.has(frame)
        answers.push(
          device.request(frame as { id: string }).then((answer) => {
            if (answer === null) {
              unanswered.get(sender)!.push(frame)
              return
            }
            answered++
            if (!killByTime && answered >= killAt) void kill()
            record(frame, answer, isResend)
          }),
        )
      }
    })
    if (killByTime) setTimeout(() => void kill(), rng.int(0, 400))
    else if (killAt === 0) void kill()
    await Promise.all(answers)
    // a burst that finished before its kill point still ends in a kill, right after it
    await kill()
    await Promise.all(devices.map((d) => d.closed))
    report.kills++
    checkIntegrity(round)
    await server.start()
    await verifyLogs(`after kill ${round + 1}`)
  }

  // the last requests whose answers were lost, then the final state
  const devices = await Promise.all(senders.map((s) => connectRetrying(s.token)))
  await Promise.all(
    devices.map(async (device, i) => {
      const sender = senders[i]!.username
      for (const frame of unanswered.get(sender)!.splice(0)) {
        report.resent++
        const answer = await device.request(frame as { id: string })
        if (answer === null) problem(`no answer to a resend on a healthy server`)
        else record(frame, answer, true)
      }
    }),
  )
  await Promise.all(devices.map((d) => d.close()))
  await verifyLogs('at the end', true)
  report.serverErrors = serverErrors(server.log())
  return report

  function nextFrame(sender: string): Record<string, unknown> {
    const mine = sendOrder.get(sender)!
    if (rng.chance(opts.withdrawShare ?? 0.1) && mine.length > 0) {
      const candidate = mine[rng.int(Math.max(0, mine.length - 200), mine.length - 1)]!
      const m = messages.get(candidate)!
      if (m.ts !== null && !m.withdrawn && !withdrawing.has(candidate)) {
        withdrawing.add(candidate)
        return { type: 'cmd', id: newId(), conversationId: m.conversationId, chatType: 'Chat', action: REVOKE_FLAG, ext: { msgId: candidate } }
      }
    }
    const conversationId = rng.pick(conversations.filter((c) => c.split(':').includes(sender)))
    const id = newId()
    messages.set(id, { id, sender, conversationId, ts: null, withdrawn: false })
    mine.push(id)
    return { type: 'send', id, conversationId, text: `${sender} #${mine.length} ${id}` }
  }

  function record(frame: Record<string, unknown>, answer: { type: string; ts?: number; duplicate?: boolean; code?: string }, isResend: boolean): void {
    if (answer.type !== 'ack') {
      problem(`${String(frame.type)} ${String(frame.id)} refused: ${JSON.stringify(answer)}`)
      return
    }
    if (isResend && answer.duplicate) report.resentAlreadyCommitted++
    if (frame.type === 'send') {
      const m = messages.get(frame.id as string)!
      if (m.ts !== null && m.ts !== answer.ts) problem(`message ${m.id} acknowledged twice with different ts`)
      if (m.ts === null) report.messagesAcked++
      m.ts = answer.ts!
    } else {
      const msgId = (frame.ext as { msgId: string }).msgId
      const m = messages.get(msgId)!
      if (!m.withdrawn) report.withdrawsAcked++
      m.withdrawn = true
      withdrawing.delete(msgId)
    }
  }

  async function connectRetrying(token: string): Promise<ProtocolDevice> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const device = await ProtocolDevice.connect(server.url, token)
      if (device) return device
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error('cannot connect to the restarted server')
  }

  /** Opens a copy of the files as they were left by the kill (opening the original would recover it in place). */
  function checkIntegrity(round: number): void {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-integrity-'))
    try {
      for (const suffix of ['', '-wal']) {
        const file = path.join(server.dataDir, `server.db${suffix}`)
        if (existsSync(file)) copyFileSync(file, path.join(dir, `server.db${suffix}`))
      }
      const db = new BetterSqlite3(path.join(dir, 'server.db'))
      try {
        const result = db.pragma('integrity_check', { simple: true })
        if (result !== 'ok') report.integrityFailures.push(`kill ${round + 1}: ${String(result)}`)
      } finally {
        db.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  /** Every user's whole log, through the protocol, compared with what was acknowledged. */
  async function verifyLogs(when: string, final = false): Promise<void> {
    for (const [i, name] of names.entries()) {
      const auditor = await connectRetrying(auditors[i]!.token)
      await auditor.settle()
      const seen = new Map<string, number>()
      const withdrawnSeen = new Set<string>()
      for (const { event } of auditor.events) {
        if (event.kind === 'message') seen.set(event.id, (seen.get(event.id) ?? 0) + 1)
        if (event.kind === 'cmd') withdrawnSeen.add(event.ext.msgId)
      }
      await auditor.close()
      for (const [id, count] of seen) if (count > 1) flag('duplicated', `${when}: ${id} ${count} times in ${name}'s log`)
      for (const m of messages.values()) {
        if (!members(m.conversationId).includes(name)) continue
        const present = seen.has(m.id)
        if (m.withdrawn && present) flag('resurrected', `${when}: withdrawn ${m.id} is in ${name}'s log`)
        if (m.withdrawn && !withdrawnSeen.has(m.id)) problem(`${when}: no withdraw event for ${m.id} in ${name}'s log`)
        // a withdraw whose answer was lost may or may not have happened: only the final check knows
        const settled = !withdrawing.has(m.id)
        if (!m.withdrawn && m.ts !== null && settled && !present) flag('lost', `${when}: acknowledged ${m.id} missing from ${name}'s log`)
        if (final && !m.withdrawn && m.ts === null) problem(`${when}: ${m.id} never acknowledged`)
      }
    }
    if (!final) return
    for (const [sender, ids] of sendOrder) {
      const stamps = ids.map((id) => messages.get(id)!.ts).filter((ts): ts is number => ts !== null)
      for (let k = 1; k < stamps.length; k++) {
        if (stamps[k]! <= stamps[k - 1]!) flag('outOfOrder', `${sender}'s messages ${k - 1} and ${k} out of order`)
      }
    }
  }
}

/** The verdict every server-crash run must meet, full or bounded. */
export function expectCleanServerCrashRun(report: ServerCrashReport): void {
  expect(report.problems).toEqual([])
  expect(report.integrityFailures).toEqual([])
  expect(report.serverErrors).toEqual([])
  expect({ lost: report.lost, duplicated: report.duplicated, resurrected: report.resurrected, outOfOrder: report.outOfOrder }).toEqual({
    lost: 0,
    duplicated: 0,
    resurrected: 0,
    outOfOrder: 0,
  })
}
