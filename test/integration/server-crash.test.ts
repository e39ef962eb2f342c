/**
 * Server crash safety, bounded form of test/faults/server-crash.test.ts: a few SIGKILLs
 * of the real server mid-burst, integrity check, restart, every acknowledged message and
 * withdraw still in force. FAULT_SEED reproduces a run.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { publishFigures } from '../helpers/figures'
import { launchServer, type ServerProcess } from '../helpers/server-process'
import { expectCleanServerCrashRun, runServerCrashCampaign } from '../helpers/server-crash-run'

const KILLS = 4

let server: ServerProcess
beforeAll(async () => {
  server = await launchServer({ args: ['--recall-window-seconds', '0'] })
})
afterAll(() => server?.dispose())

it(`loses no acknowledged message and resurrects no acknowledged withdraw across ${KILLS} SIGKILLs`, async () => {
  const report = await runServerCrashCampaign(server, { kills: KILLS, burst: 40 })
  publishFigures('server-crash-bounded', report)
  expectCleanServerCrashRun(report)
  expect(report.messagesAcked).toBeGreaterThan(0)
  expect(report.withdrawsAcked).toBeGreaterThan(0)
})
