/**
 * Client crash safety, bounded form of test/faults/client-crash.test.ts: SIGKILLs of a
 * client core part-way through bursts of incoming messages and withdraws, integrity
 * check, resync, nothing lost, nothing withdrawn back. FAULT_SEED reproduces a run.
 */
import { afterAll, beforeAll, it } from 'vitest'
import { expectCleanClientCrashRun, runClientCrashCampaign } from '../helpers/client-crash-run'
import { publishFigures } from '../helpers/figures'
import { launchServer, type ServerProcess } from '../helpers/server-process'

const KILLS = 10

let server: ServerProcess
beforeAll(async () => {
  server = await launchServer({ args: ['--recall-window-seconds', '0'] })
})
afterAll(() => server?.dispose())

it(`survives ${KILLS} SIGKILLs during bursts of incoming messages and withdraws`, { timeout: 180_000 }, async () => {
  const report = await runClientCrashCampaign(server, { kills: KILLS, senders: 2, burst: 40 })
  publishFigures('client-crash-bounded', report)
  expectCleanClientCrashRun(report, KILLS)
})
