/**
 * How long a withdraw takes to disappear from the other side, and how long a message
 * takes to appear, through the real server and real databases. Printed, never asserted:
 * only correctness is checked here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getMessage } from '../../src/main/core/db/queries/messages'
import { ok, readProfile, twoClients, type Recorded, type TestClient } from '../helpers/client'
import type { ServerProcess } from '../helpers/server-process'
import { waitFor } from '../helpers/wait'

const ROUNDS = 200
/**
 * Each round costs Alice two frames (send, cmd) plus acknowledgements. Starting rounds at
 * most this often keeps her under the per-connection frame budget (the server's 30/s and
 * the client's own pacing at 25/s), so the figures measure delivery, not rate limiting.
 */
const ROUND_PERIOD_MS = 110

let server: ServerProcess
let alice: TestClient
let bob: TestClient
let conv: string

beforeAll(async () => {
  ;({ server, alice, bob, conv } = await twoClients())
})

afterAll(async () => {
  for (const c of [alice, bob]) await c?.dispose()
  await server?.dispose()
})

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  return sorted[Math.max(0, i)]!
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    n: sorted.length,
    'median ms': Number(percentile(sorted, 50).toFixed(2)),
    'p99 ms': Number(percentile(sorted, 99).toFixed(2)),
    'max ms': Number(sorted.at(-1)!.toFixed(2)),
  }
}

describe('latency', () => {
  it(`measures ${ROUNDS} deliveries and ${ROUNDS} withdraws end to end`, { timeout: 180_000 }, async () => {
    // Bob's events, by message id, stamped when his core emitted them.
    const added = new Map<string, number>()
    const withdrawn = new Map<string, number>()
    const rowStillThere: string[] = []
    bob.events.tap = (e: Recorded) => {
      if (e.name === 'message:added') added.set((e as Recorded<'message:added'>).payload.message.id, e.at)
      if (e.name === 'message:withdrawn') {
        const { messageId } = (e as Recorded<'message:withdrawn'>).payload
        // The event goes out after the commit: the row must already be gone by now.
        if (getMessage(bob.core.testing.db, messageId)?.kind !== 'notice') rowStillThere.push(messageId)
        withdrawn.set(messageId, e.at)
      }
    }

    const delivery: number[] = []
    const withdraw: number[] = []
    const ids: string[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const roundStart = performance.now()
      const sendAt = performance.now()
      const m = ok(await alice.h.sendMessage({ conversationId: conv, text: `latency probe ${round}` }))
      await waitFor(() => added.has(m.id), { what: `delivery ${round}`, intervalMs: 1 })
      delivery.push(added.get(m.id)! - sendAt)
      // Withdraw needs the server's ack (a message still unacknowledged would be handled differently).
      await waitFor(() => getMessage(alice.core.testing.db, m.id)?.state !== 'sending', { intervalMs: 1 })

      const withdrawAt = performance.now()
      expect(ok(await alice.h.withdrawMessage({ messageId: m.id }))).toEqual({ outcome: 'withdrawn' })
      await waitFor(() => withdrawn.has(m.id), { what: `withdraw ${round}`, intervalMs: 1 })
      withdraw.push(withdrawn.get(m.id)! - withdrawAt)
      ids.push(m.id)
      await waitFor(() => performance.now() - roundStart >= ROUND_PERIOD_MS, { intervalMs: 2 })
    }
    bob.events.tap = null
    expect(rowStillThere).toEqual([])

    // On disk: every probe is a notice on both sides, none is text.
    for (const c of [alice, bob]) {
      const kinds = readProfile(c.profileDir, (db) =>
        db.prepare(`SELECT kind, count(*) AS n FROM messages WHERE conversation_id = ? GROUP BY kind`).all(conv),
      )
      expect(kinds).toEqual([{ kind: 'notice', n: ROUNDS }])
    }
    expect(new Set(ids).size).toBe(ROUNDS)

    console.log(`\nParley latency over loopback, ${ROUNDS} rounds (real server process, real databases)`)
    console.table({
      'send → peer message:added': summary(delivery),
      'withdraw → peer row gone + message:withdrawn': summary(withdraw),
    })
  })
})
