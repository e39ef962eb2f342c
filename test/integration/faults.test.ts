/**
 * Exactly-once under faults, bounded form of test/faults/exactly-once.test.ts: two client
 * cores in child processes chat through a real server process while the server is
 * SIGKILLed and restarted, clients are SIGKILLed and restarted, and sockets are dropped.
 * FAULT_SEED reproduces a run (the seed is printed).
 */
import { expect, it } from 'vitest'
import { expectCleanExactlyOnceRun, runExactlyOnceCampaign } from '../helpers/exactly-once-run'
import { publishFigures } from '../helpers/figures'

it('delivers every message exactly once and every withdraw for good, through kills and drops', { timeout: 240_000 }, async () => {
  const report = await runExactlyOnceCampaign({
    name: 'exactly-once-bounded',
    clients: 2,
    messages: 300,
    withdraws: 30,
    serverKills: 3,
    clientKills: 20,
    socketDrops: 20,
  })
  publishFigures('exactly-once-bounded', report)
  expectCleanExactlyOnceRun(report)
  expect(report.messages).toBeGreaterThanOrEqual(300)
  expect(report.withdraws).toBeGreaterThanOrEqual(30)
})
