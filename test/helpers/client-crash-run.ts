/**
 * Client crash campaign: one client core in a child process receives bursts of messages
 * and withdraws from several senders (bare protocol clients, so the bursts are as dense
 * as the server allows) and is SIGKILLed at a random point of each burst: after a random
 * number of the burst's events were applied. After every kill its files must pass
 * `PRAGMA integrity_check`; after every restart it must resync to hold every message the
 * server acknowledged to a sender (as text, or as a notice once withdrawn), and nothing it
 * had already shown withdrawn may come back. Some rounds send and withdraw more while it
 * is down: those messages must never appear. At the end its database holds exactly the
 * messages that were sent and not withdrawn.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'vitest'
import { newId } from '../../src/shared/ids'
import { directConversationId, REVOKE_FLAG } from '../../src/shared/protocol'
import { type Account, signUp, type TestServer as HarnessServer } from '../../src/server/test-support/harness'
import { startAckTap } from './ack-tap'
import { ClientProcess } from './client-process'
import { inspectCrashedProfile, readProfileDb, ShownLog } from './crash-checks'
import { Rng } from './fuzz-frames'
import { pacer } from './pace'
import { ProtocolDevice } from './protocol-device'
import { type ServerProcess, serverErrors } from './server-process'

export interface ClientCrashOptions {
  kills: number
  senders: number
  /** Frames each sender pipelines per burst (under the per-connection burst of 120). */
  burst: number
  withdrawShare?: number
  seed?: number
}

export interface ClientCrashReport {
  seed: number
  kills: number
  /** Kills sent the instant an acknowledgement left the client. */
  killsRightAfterAck: number
  integrityOk: number
  /** Messages the server acknowledged to their senders. */
  messages: number
  withdraws: number
  /** Events the victim applied in the killed burst before the kill, summed over kills. */
  appliedBeforeKills: number
  /** Messages sent and withdrawn while the victim was down. */
  withdrawnWhileDown: number
  lost: number
  duplicated: number
  resurrected: number
  problems: string[]
  serverErrors: string[]
  durationMs: number
}

interface Sent {
  id: string
  sender: string
  conversationId: string
  withdrawn: boolean
  /** Sent and withdrawn while the victim was down. */
  whileDown: boolean
  /**
   * The server's timestamp from its ack. Bursts are pipelined and a RATE_LIMITED frame is
   * asked again later, so the order the server took them in, not the loop's, is the order sent.
   */
  ackTs?: number
}

const RESYNC_TIMEOUT_MS = 60_000

export async function runClientCrashCampaign(server: ServerProcess, opts: ClientCrashOptions): Promise<ClientCrashReport> {
  const seed = opts.seed ?? Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 32))
  const rng = new Rng(seed)
  const started = performance.now()
  const report: ClientCrashReport = {
    seed,
    kills: 0,
    killsRightAfterAck: 0,
    integrityOk: 0,
    messages: 0,
    withdraws: 0,
    appliedBeforeKills: 0,
    withdrawnWhileDown: 0,
    lost: 0,
    duplicated: 0,
    resurrected: 0,
    problems: [],
    serverErrors: [],
    durationMs: 0,
  }
  const problem = (text: string) => {
    if (report.problems.length < 100) report.problems.push(text)
  }
  const flag = (counter: 'lost' | 'duplicated' | 'resurrected', text: string) => {
    report[counter]++
    problem(text)
  }
  const target: HarnessServer = { url: server.url, httpUrl: server.url.replace(/^ws/, 'http'), dataDir: server.dataDir, close: async () => {} }
  const suffix = seed.toString(36).slice(0, 5)

  const profilesRoot = mkdtempSync(path.join(tmpdir(), 'parley-crash-victim-'))
  const victimName = `victim_${suffix}`
  // the victim reaches the server through a tap that sees its acknowledgements leave
  const tap = await startAckTap(server.url)
  const victim = new ClientProcess(victimName, path.join(profilesRoot, 'victim'), tap.url)
  await victim.start()
  const signed = await victim.call('signUp', { username: victimName, password: 'fault-run-password' })
  if (!signed?.ok) throw new Error(`victim sign-up failed: ${JSON.stringify(signed)}`)

  const senders: Account[] = []
  for (let i = 0; i < opts.senders; i++) senders.push(await signUp(target, `sender${i}_${suffix}`))
  const devices = await Promise.all(senders.map((s) => ProtocolDevice.connect(server.url, s.token)))
  if (devices.some((d) => d === null)) throw new Error('a sender could not connect')

  const paces = new Map(senders.map((s) => [s.username, pacer(25, 100)]))
  const sent = new Map<string, Sent>()
  const bySender = new Map<string, Sent[]>(senders.map((s) => [s.username, []]))
  let applied = 0
  const shown = new ShownLog(
    victimName,
    (msgId) => sent.get(msgId)?.whileDown === true,
    (v) => flag(v.kind, v.text),
  )
  victim.onEvent((e) => {
    if (e.name === 'message:added' || e.name === 'message:withdrawn') applied++
    shown.observe(e)
  })

  // one failed resync fails the run: stop there, with the report, rather than time out
  for (let round = 0; round < opts.kills && report.problems.length === 0; round++) {
    const killAfter = rng.int(1, Math.floor(opts.burst * opts.senders * 0.9))
    const appliedAtStart = applied
    const bursts = Promise.all(devices.map((d, i) => burst(d!, senders[i]!.username, opts.burst, false)))
    // kill it part-way through applying the burst: after a random number of its events, or
    // the instant an acknowledgement leaves it after that point (or once the burst is all
    // in, if it was faster)
    const onAck = rng.chance(0.5)
    let killedOnAck = false
    await new Promise<void>((resolve) => {
      let fired = false
      const fire = (byAck: boolean) => {
        if (fired) return
        fired = true
        stop()
        tap.onAck = null
        killedOnAck = byAck
        // the signal goes out synchronously, here, not after an await
        void victim.kill()
        resolve()
      }
      const stop = victim.onEvent(() => {
        if (applied - appliedAtStart < killAfter) return
        if (!onAck) fire(false)
        else tap.onAck ??= () => fire(true)
      })
      // an acknowledgement follows the last event within ACK_INTERVAL_MS: give it the chance
      void bursts.then(() => setTimeout(() => fire(false), onAck ? 2_000 : 0))
    })
    await victim.kill()
    if (killedOnAck) report.killsRightAfterAck++
    report.kills++
    report.appliedBeforeKills += applied - appliedAtStart
    await bursts

    const crashed = inspectCrashedProfile(victim.profileDir)
    if (crashed.integrity === 'ok') report.integrityOk++
    else problem(`integrity_check after kill ${round + 1}: ${crashed.integrity}`)
    shown.rememberNotices(crashed.notices)

    // sometimes, more traffic while it is down: sends, and withdraws of some of them
    if (rng.chance(0.5)) await Promise.all(devices.map((d, i) => burst(d!, senders[i]!.username, rng.int(1, 10), true)))

    await victim.start(tap.url)
    await resync(`after kill ${round + 1}`, crashed.notices)
  }
  await victim.stop()
  verifyFinal()
  for (const d of devices) await d!.close()
  await tap.close()
  report.serverErrors = serverErrors(server.log())
  report.durationMs = Math.round(performance.now() - started)
  rmSync(profilesRoot, { recursive: true, force: true })
  return report

  /** One sender's pipelined burst; every answer must be an ack (the server is not killed here). */
  async function burst(device: ProtocolDevice, sender: string, frames: number, victimDown: boolean): Promise<void> {
    const conversationId = directConversationId(sender, victimName)
    const mine = bySender.get(sender)!
    const requests: Promise<void>[] = []
    const sentNow: Sent[] = []
    const pace = paces.get(sender)!
    for (let k = 0; k < frames; k++) {
      // under the per-connection budget: a refused frame would make the order sent differ from the loop's
      await pace()
      const recent = mine.slice(-30).filter((m) => !m.withdrawn)
      const withdrawDownOnes = victimDown && sentNow.length > 0 && rng.chance(0.5)
      if ((withdrawDownOnes || rng.chance(opts.withdrawShare ?? 0.15)) && (withdrawDownOnes ? sentNow : recent).length > 0) {
        const m = rng.pick(withdrawDownOnes ? sentNow : recent)
        if (m.withdrawn) continue
        m.withdrawn = true
        const cmdId = newId()
        requests.push(
          device.request({ type: 'cmd', id: cmdId, conversationId, chatType: 'Chat', action: REVOKE_FLAG, ext: { msgId: m.id } }).then((answer) => {
            if (answer?.type !== 'ack') problem(`withdraw of ${m.id} refused: ${JSON.stringify(answer)}`)
            else {
              report.withdraws++
              if (sentNow.includes(m)) {
                m.whileDown = true
                report.withdrawnWhileDown++
              }
            }
          }),
        )
        continue
      }
      const m: Sent = { id: newId(), sender, conversationId, withdrawn: false, whileDown: false }
      sent.set(m.id, m)
      mine.push(m)
      if (victimDown) sentNow.push(m)
      requests.push(
        device.request({ type: 'send', id: m.id, conversationId, text: `${sender} ${mine.length} ${m.id}` }).then((answer) => {
          if (answer?.type !== 'ack') problem(`send ${m.id} refused: ${JSON.stringify(answer)}`)
          else {
            m.ackTs = answer.ts
            report.messages++
          }
        }),
      )
    }
    await Promise.all(requests)
  }

  /** Until the restarted victim holds a row for every message sent so far, and text for none it had as a notice or that was withdrawn. */
  async function resync(when: string, noticesAtKill: Set<string>): Promise<void> {
    const deadline = performance.now() + RESYNC_TIMEOUT_MS
    let checkedNotices = false
    for (;;) {
      const state = readProfileDb(victim.profileDir, (db) => {
        const kindOf = db.prepare('SELECT kind FROM messages WHERE id = ?').pluck()
        if (!checkedNotices) {
          for (const id of noticesAtKill) {
            if (kindOf.get(id) === 'text') flag('resurrected', `${when}: ${id} was a notice before the kill and is text after it`)
          }
          checkedNotices = true
        }
        let missing = 0
        let stillText = 0
        for (const m of sent.values()) {
          const kind = kindOf.get(m.id)
          // a message withdrawn before the victim got it only needs its notice
          if (kind === undefined) missing++
          else if (m.withdrawn && kind === 'text') stillText++
        }
        return { missing, stillText }
      })
      if (state && state.missing === 0 && state.stillText === 0) return
      if (performance.now() > deadline) {
        report.lost += state?.missing ?? 0
        report.resurrected += state?.stillText ?? 0
        problem(`${when}: did not resync: ${JSON.stringify(state)}`)
        return
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  function verifyFinal(): void {
    readProfileDb(
      victim.profileDir,
      (db) => {
        const integrity = db.pragma('integrity_check', { simple: true })
        if (integrity !== 'ok') problem(`final integrity_check: ${String(integrity)}`)
        const text = new Map(
          (db.prepare("SELECT id, conversation_id AS c, text FROM messages WHERE kind = 'text'").all() as { id: string; c: string; text: string }[]).map(
            (r) => [r.id, r],
          ),
        )
        for (const m of sent.values()) {
          const row = text.get(m.id)
          if (m.withdrawn && row) flag('resurrected', `withdrawn ${m.id} is still there`)
          if (!m.withdrawn && !row) flag('lost', `${m.id} from ${m.sender} is missing`)
          if (row && (row.c !== m.conversationId || !row.text.endsWith(m.id))) problem(`${m.id} holds the wrong text`)
        }
        for (const id of text.keys()) if (!sent.has(id)) problem(`unexpected message ${id}`)
        // each conversation in the order its sender sent it
        for (const [sender, list] of bySender) {
          const expected = list
            .filter((m) => !m.withdrawn)
            .sort((a, b) => (a.ackTs ?? 0) - (b.ackTs ?? 0))
            .map((m) => m.id)
          const actual = db
            .prepare("SELECT id FROM messages WHERE kind = 'text' AND sender = ? ORDER BY ts, id")
            .pluck()
            .all(sender) as string[]
          if (JSON.stringify(actual) !== JSON.stringify(expected)) problem(`${sender}'s messages are not in the order sent`)
        }
      },
      { writable: true },
    )
  }
}

/** The verdict every client-crash run of `kills` kills must meet, full or bounded. */
export function expectCleanClientCrashRun(report: ClientCrashReport, kills: number): void {
  expect(report.problems).toEqual([])
  expect(report.serverErrors).toEqual([])
  expect({ lost: report.lost, duplicated: report.duplicated, resurrected: report.resurrected }).toEqual({ lost: 0, duplicated: 0, resurrected: 0 })
  expect(report.integrityOk).toBe(kills)
}
