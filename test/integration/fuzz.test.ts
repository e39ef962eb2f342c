/**
 * Protocol fuzzing, bounded form of test/faults/fuzz.test.ts (which sends 10,000+ frames):
 * the same campaign and verdict, with fewer frames. FUZZ_SEED reproduces a run.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { publishFigures } from '../helpers/figures'
import { campaignProblems, runFuzzCampaign } from '../helpers/fuzz-campaign'
import { fuzzStillServes } from '../helpers/fuzz-checks'
import { launchServer, type ServerProcess } from '../helpers/server-process'

const FRAMES = 1_000
const UNAUTHENTICATED = 100

let server: ServerProcess
beforeAll(async () => {
  server = await launchServer()
})
afterAll(() => server?.dispose())

it(`answers ${FRAMES} hostile frames by the protocol, stays up, and bystanders notice nothing`, async () => {
  const report = await runFuzzCampaign(server, { frames: FRAMES, unauthenticated: UNAUTHENTICATED })
  publishFigures('fuzz-bounded', { ...report, violations: report.violations.length, serverErrors: report.serverErrors.length })
  expect(campaignProblems(report, { frames: FRAMES, unauthenticated: UNAUTHENTICATED, rssGrowthMb: 64, rssPeakMb: 640 })).toEqual([])
  await fuzzStillServes(server)
})
