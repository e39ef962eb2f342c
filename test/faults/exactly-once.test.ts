/**
 * Exactly-once under faults, full run (`npm run test:faults`): four client cores in child
 * processes exchange 10,000+ messages and 1,000+ withdraws through a real server process,
 * while the harness SIGKILLs and restarts the server, SIGKILLs and restarts clients (100+
 * times, each followed by an integrity check and a resync check) and drops client sockets,
 * all at random. At the end every client database holds exactly the expected messages.
 * FAULT_SEED reproduces a run (the seed is printed).
 */
import { expect, it } from 'vitest'
import { expectCleanExactlyOnceRun, runExactlyOnceCampaign } from '../helpers/exactly-once-run'
import { publishFigures } from '../helpers/figures'

const TARGET = { clients: 4, messages: 10_000, withdraws: 1_000, serverKills: 25, clientKills: 100, socketDrops: 200 }

it('delivers 10,000 messages exactly once and 1,000 withdraws for good, through kills and drops', async () => {
  const report = await runExactlyOnceCampaign({ name: 'exactly-once', ...TARGET })
  publishFigures('exactly-once', report)
  expectCleanExactlyOnceRun(report)
  expect(report.messages).toBeGreaterThanOrEqual(TARGET.messages)
  expect(report.withdraws).toBeGreaterThanOrEqual(TARGET.withdraws)
  expect(report.serverKills).toBe(TARGET.serverKills)
  expect(report.clientKills).toBe(TARGET.clientKills)
})
