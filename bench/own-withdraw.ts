/**
 * 7. The user's own withdraw on a busy profile: how long the main process is held (every
 * bridge call waits meanwhile) from the call until the cleanup after it (search-index
 * merge, WAL truncation) is done, and the time until the call answers.
 *
 * The profile holds 20,000 messages of the last three days, so all of them are in the
 * search index's recent partition, which a withdraw's cleanup merges: a heavy user's week,
 * where that merge costs the most. Alice's core runs here with the test seam for the
 * server (`openTestCore`: the same core, its frames answered by this benchmark, which acks
 * each send and each withdraw at once), so only her device's work is measured.
 */
import path from 'node:path'
import { cleanupRunning } from '../src/main/core/db/cleanup'
import { openTestCore, unwrap } from '../src/main/core/testing/harness'
import { waitFor } from '../src/main/core/testing/wait'
import { newId } from '../src/shared/ids'
import { directConversationId } from '../src/shared/protocol'
import { buildProfile } from './lib/profile'
import { round, summarize } from './lib/stats'
import type { Benchmark, BenchOptions, BenchResult } from './lib/types'

const MESSAGES = 20_000
/** 20,000 messages this far apart span 2.3 days: all within the recent partition (3 days). */
const STEP_MS = 10_000
const ROUNDS = 40

/**
 * The longest time the event loop could not run a 1 ms timer, from now until `stop`
 * (which lets the timer fire once more, so a block just before it is counted).
 */
function longestBlock(): { stop(): Promise<number> } {
  let last = performance.now()
  let longest = 0
  const timer = setInterval(() => {
    const now = performance.now()
    longest = Math.max(longest, now - last - 1)
    last = now
  }, 1)
  return {
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, 3))
      clearInterval(timer)
      return Math.max(0, longest, performance.now() - last - 1)
    },
  }
}

export const ownWithdraw: Benchmark = {
  storageSensitive: true,
  name: 'own-withdraw',
  title: 'Own withdraw on a busy profile: main process held, answer time',
  async run({ quick, workDir, log }: BenchOptions): Promise<BenchResult> {
    const rounds = quick ? 10 : ROUNDS
    const me = 'alice'
    const dir = path.join(workDir, 'alice')
    log(`building a profile of ${MESSAGES.toLocaleString('en-US')} recent messages`)
    buildProfile(dir, { me, peers: ['bob', 'carol'], count: MESSAGES, stepMs: STEP_MS, session: { token: newId(), deviceId: newId() } })
    const t = await openTestCore({ dir })
    try {
      await t.core.start()
      t.link.welcome(me)
      await waitFor(() => !cleanupRunning(t.core.testing.db), { what: 'the start-up cleanup', timeoutMs: 60_000 })
      const conversationId = directConversationId(me, 'bob')
      const held: number[] = []
      const answered: number[] = []
      for (let i = 0; i < rounds; i++) {
        const sending = t.core.handlers.sendMessage({ conversationId, text: `round ${i}: something to take back` })
        const sent = unwrap(await sending)
        t.link.deliver({ type: 'ack', id: sent.id, ts: Date.now() })

        const probe = longestBlock()
        const t0 = performance.now()
        const call = t.core.handlers.withdrawMessage({ messageId: sent.id })
        const cmd = t.link.framesOf('cmd').at(-1)
        if (!cmd || cmd.ext.msgId !== sent.id) throw new Error(`round ${i}: no withdraw command went out`)
        t.link.deliver({ type: 'ack', id: cmd.id, ts: Date.now() })
        const outcome = unwrap(await call).outcome
        const answer = performance.now() - t0
        if (outcome !== 'withdrawn') throw new Error(`round ${i}: ${outcome}`)
        await waitFor(() => !cleanupRunning(t.core.testing.db), { what: 'the cleanup after the withdraw', timeoutMs: 60_000 })
        answered.push(answer)
        held.push(await probe.stop())
      }
      const h = summarize(held)
      const a = summarize(answered)
      return {
        figures: [
          { measure: `own withdraw @${MESSAGES.toLocaleString('en-US')} recent msgs: main process held p50`, value: round(h.p50, 1), unit: 'ms' },
          { measure: `own withdraw: main process held max`, value: round(h.max, 1), unit: 'ms' },
          { measure: `own withdraw: call answered p50`, value: round(a.p50, 2), unit: 'ms' },
        ],
        details: { messages: MESSAGES, stepMs: STEP_MS, rounds, heldMs: h, answeredMs: a },
      }
    } finally {
      await t.dispose()
    }
  },
}
