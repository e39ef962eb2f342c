/**
 * Client crash safety, full run (`npm run test:faults`): a client core in a child process
 * is SIGKILLed 120 times, each time part-way through applying a burst of incoming messages
 * and withdraws; after each kill its files pass integrity_check, after each restart it
 * resyncs to hold everything the server acknowledged, and nothing withdrawn comes back.
 * FAULT_SEED reproduces a run (the seed is printed).
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { expectCleanClientCrashRun, runClientCrashCampaign } from '../helpers/client-crash-run'
import { publishFigures } from '../helpers/figures'
import { launchServer, type ServerProcess } from '../helpers/server-process'

const KILLS = 120

let server: ServerProcess
beforeAll(async () => {
  server = await launchServer({ args: ['--recall-window-seconds', '0'] })
})
afterAll(() => server?.dispose())

it(`survives ${KILLS} SIGKILLs during bursts of incoming messages and withdraws`, async () => {
  const report = await runClientCrashCampaign(server, { kills: KILLS, senders: 3, burst: 60 })
  publishFigures('client-crash', report)
  expectCleanClientCrashRun(report, KILLS)
  expect(report.kills).toBe(KILLS)
  expect(report.withdrawnWhileDown).toBeGreaterThan(0)
})
