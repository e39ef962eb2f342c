/**
 * 1. Withdraw latency: from Alice's `withdrawMessage` call until Bob's core has deleted
 * the row (checked) and emitted `message:withdrawn`, beside plain delivery measured the
 * same way: from Alice's `sendMessage` call until Bob's core emitted `message:added`.
 *
 * The real server runs in its own process; Alice's and Bob's cores run here, each with
 * its own profile database on disk, over loopback. Every round sends a message, waits
 * until Bob has it and Alice's copy is acknowledged, then withdraws it, so each round
 * gives one delivery and one withdraw sample under the same conditions.
 *
 * On storage `cluster` Alice's core talks to node 1 and Bob's to node 2 (lib/servers.ts):
 * both the message and the withdraw go through PostgreSQL and NATS.
 */
import { getMessage } from '../src/main/core/db/queries/messages'
import { startServers } from './lib/servers'
import { type BenchCore, signUpCore, unwrap } from './lib/cores'
import { round, summarize } from './lib/stats'
import type { Benchmark, BenchOptions, BenchResult, Figure } from './lib/types'
import { UNTHROTTLED } from './relay'

const ROUNDS = 1_000
const WARMUP_ROUNDS = 30

export const withdrawLatency: Benchmark = {
  storageSensitive: true,
  name: 'withdraw-latency',
  title: 'Withdraw latency vs delivery (Alice -> server -> Bob)',
  cluster: true,
  async run({ quick, storage, workDir, log }: BenchOptions): Promise<BenchResult> {
    const rounds = quick ? 200 : ROUNDS
    const servers = await startServers(storage, workDir, { limits: UNTHROTTLED, recallWindowSeconds: 120 })
    const { nodes } = servers
    const cores: BenchCore[] = []
    try {
      const alice = await signUpCore(nodes[0]!.url, workDir, 'alice')
      cores.push(alice)
      const bob = await signUpCore(nodes.at(-1)!.url, workDir, 'bob')
      cores.push(bob)
      const conversationId = unwrap(await alice.core.handlers.openDirect({ username: 'bob' })).id

      const delivery: number[] = []
      const withdraw: number[] = []
      let checked = 0
      for (let i = 0; i < WARMUP_ROUNDS + rounds; i++) {
        const t0 = performance.now()
        const sending = alice.core.handlers.sendMessage({ conversationId, text: `round ${i}: a message of ordinary length` })
        const id = unwrap(await sending).id
        const added = await bob.next('message:added', (p) => p.message.id === id)
        // Alice's copy must be acknowledged, or the withdraw would cancel it locally instead
        if (getMessage(alice.core.testing.db, id)?.state === 'sending') {
          await alice.next('message:updated', (p) => p.message.id === id && p.message.state !== 'sending')
        }

        const withdrawn = bob.next('message:withdrawn', (p) => p.messageId === id)
        const t1 = performance.now()
        const call = alice.core.handlers.withdrawMessage({ messageId: id })
        const { at } = await withdrawn
        // the event is emitted after the commit: the row must already be a notice
        if (getMessage(bob.core.testing.db, id)?.kind !== 'notice') throw new Error(`round ${i}: Bob still has the message`)
        checked++
        if (unwrap(await call).outcome !== 'withdrawn') throw new Error(`round ${i}: withdraw not confirmed`)
        if (i >= WARMUP_ROUNDS) {
          delivery.push(added.at - t0)
          withdraw.push(at - t1)
        }
        if ((i + 1) % 250 === 0) log(`${i + 1} rounds`)
      }

      const d = summarize(delivery)
      const w = summarize(withdraw)
      const figures: Figure[] = [
        {
          measure: 'withdraw latency p50',
          value: round(w.p50, 2),
          unit: 'ms',
          baseline: { measure: 'delivery p50', value: round(d.p50, 2) },
          ratio: round(w.p50 / d.p50, 2),
          target: '<= 1 ms, <= 1.5x',
          pass: w.p50 <= 1 && w.p50 / d.p50 <= 1.5,
        },
        {
          measure: 'withdraw latency p99',
          value: round(w.p99, 2),
          unit: 'ms',
          baseline: { measure: 'delivery p99', value: round(d.p99, 2) },
          ratio: round(w.p99 / d.p99, 2),
          target: '<= 5 ms, <= 1.5x',
          pass: w.p99 <= 5 && w.p99 / d.p99 <= 1.5,
        },
      ]
      return { figures, details: { nodes: nodes.length, rounds, warmupRounds: WARMUP_ROUNDS, rowsCheckedDeleted: checked, withdraw: w, delivery: d } }
    } finally {
      for (const c of cores) await c.close()
      await servers.stop()
    }
  },
}
