/**
 * Exactly-once under faults across a cluster (`npm run test:faults`): the campaign of
 * exactly-once.test.ts on two server processes sharing one PostgreSQL database and one
 * nats-server, with clients spread over both nodes so that conversations cross nodes. The
 * harness SIGKILLs and restarts a node at random, SIGKILLs and restarts clients, drops
 * sockets, restarts nats-server once (SIGKILL) and stops PostgreSQL once in immediate
 * mode (then starts it again), all at random points. At the end every client database
 * holds exactly the expected messages. FAULT_SEED reproduces a run (the seed is printed).
 */
import { expect, it } from 'vitest'
import { expectCleanExactlyOnceRun, runExactlyOnceCampaign } from '../helpers/exactly-once-run'
import { publishFigures } from '../helpers/figures'

const TARGET = { clients: 4, messages: 4_000, withdraws: 400, serverKills: 10, clientKills: 40, socketDrops: 80 }
const CLUSTER = { nodes: 2, natsRestarts: 1, postgresStops: 1 }

it('delivers 4,000 messages exactly once and 400 withdraws for good across two nodes, through node, client, NATS and PostgreSQL faults', { timeout: 900_000 }, async () => {
  const report = await runExactlyOnceCampaign({ name: 'exactly-once-cluster', ...TARGET, cluster: CLUSTER })
  publishFigures('exactly-once-cluster', report)
  expectCleanExactlyOnceRun(report)
  expect(report.messages).toBeGreaterThanOrEqual(TARGET.messages)
  expect(report.withdraws).toBeGreaterThanOrEqual(TARGET.withdraws)
  expect(report.serverKills).toBe(TARGET.serverKills)
  expect(report.clientKills).toBe(TARGET.clientKills)
  expect(report.natsRestarts).toBe(CLUSTER.natsRestarts)
  expect(report.postgresStops).toBe(CLUSTER.postgresStops)
})
