/**
 * Protocol fuzzing, full run (`npm run test:faults`): 14,000 hostile frames from
 * authenticated sockets (before and after hello), 10,000+ of them invalid outright and the
 * rest valid frames sent out of order or aimed wrong, and 1,000+ unauthenticated requests,
 * raw sockets and junk WebSocket bytes, against one real server process. FUZZ_SEED
 * reproduces a run; the seed is printed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { publishFigures } from '../helpers/figures'
import { campaignProblems, runFuzzCampaign } from '../helpers/fuzz-campaign'
import { launchServer, type ServerProcess } from '../helpers/server-process'
import { fuzzStillServes } from '../helpers/fuzz-checks'

const FRAMES = 14_000
/** Frames the protocol rejects outright (the rest are valid frames sent out of order or aimed wrong). */
const BAD_FRAMES = 10_000
const UNAUTHENTICATED = 1_000

let server: ServerProcess
beforeAll(async () => {
  server = await launchServer()
})
afterAll(() => server?.dispose())

it(`answers ${FRAMES} hostile frames by the protocol, stays up with bounded memory, and bystanders notice nothing`, async () => {
  const report = await runFuzzCampaign(server, { frames: FRAMES, unauthenticated: UNAUTHENTICATED })
  publishFigures('fuzz', { ...report, violations: report.violations.length, serverErrors: report.serverErrors.length })
  expect(campaignProblems(report, { frames: FRAMES, unauthenticated: UNAUTHENTICATED, rssGrowthMb: 64, rssPeakMb: 640 })).toEqual([])
  expect(report.badFrames).toBeGreaterThanOrEqual(BAD_FRAMES)
  await fuzzStillServes(server)
})
