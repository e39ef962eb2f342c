/**
 * Server crash safety, full run (`npm run test:faults`): 100 SIGKILLs of the real server
 * process in the middle of bursts of messages and withdraws, each followed by an
 * integrity check of its database, a restart on the same data directory and a check of
 * every user's log against what the server had acknowledged. FAULT_SEED reproduces a run.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { publishFigures } from '../helpers/figures'
import { launchServer, type ServerProcess } from '../helpers/server-process'
import { expectCleanServerCrashRun, runServerCrashCampaign } from '../helpers/server-crash-run'

let server: ServerProcess
beforeAll(async () => {
  server = await launchServer({ args: ['--recall-window-seconds', '0'] })
})
afterAll(() => server?.dispose())

it('loses no acknowledged message and resurrects no acknowledged withdraw across 100 SIGKILLs', async () => {
  const report = await runServerCrashCampaign(server, { kills: 100, burst: 50 })
  publishFigures('server-crash', report)
  expectCleanServerCrashRun(report)
  expect(report.kills).toBe(100)
})
