import { startCluster, clusterUnavailable, type Cluster } from './cluster'
import { expect, test } from './fixtures'
import {
  connectionStatus,
  filesContaining,
  marker,
  message,
  openChat,
  send,
  signUp,
  startChat,
  uniqueName,
  withdraw,
} from './parley'

/** Whether node `index` has served a WebSocket connection of `username` (its log says so). */
function servedBy(cluster: Cluster, index: number, username: string): boolean {
  return cluster.nodes[index]!.log
    .text()
    .split('\n')
    .some((line) => line.includes('"connection opened"') && line.includes(`"username":"${username}"`))
}

test('two browser-mode clients through a load balancer on two nodes: chat and withdraw across nodes, then one node goes away', async ({
  launchClient,
}, testInfo) => {
  testInfo.skip(testInfo.project.name !== 'web', 'the cluster is the server side; the web project drives it')
  const unavailable = clusterUnavailable()
  expect(unavailable, 'CI installs HAProxy (.ci/run)').toBeNull()
  const cluster = await startCluster()
  try {
    // Alice lands on node 1, Bob on node 2: the other node is drained while each connects.
    await cluster.setNodeState(1, 'maint')
    const alice = await launchClient('alice', { server: cluster })
    const a = uniqueName('alice')
    await signUp(alice.page, a)
    await cluster.setNodeState(1, 'ready')
    await cluster.setNodeState(0, 'maint')
    const bob = await launchClient('bob', { server: cluster })
    const b = uniqueName('bob')
    await signUp(bob.page, b)
    await cluster.setNodeState(0, 'ready')
    await expect.poll(() => servedBy(cluster, 0, a)).toBe(true)
    await expect.poll(() => servedBy(cluster, 1, b)).toBe(true)
    expect(servedBy(cluster, 1, a) || servedBy(cluster, 0, b)).toBe(false)

    const kept = marker('across nodes')
    const secret = marker('withdrawn across nodes')
    await startChat(alice.page, b)
    await send(alice.page, kept)
    await send(alice.page, secret)
    await openChat(bob.page, a)
    await expect(message(bob.page, secret)).toHaveCount(1)
    await expect(message(alice.page, secret)).toHaveAttribute('data-state', 'delivered')
    expect(filesContaining(bob.profileDir, secret)).not.toEqual([])

    await withdraw(alice.page, message(alice.page, secret))
    await expect(message(bob.page, secret)).toHaveCount(0)
    await expect(bob.page.getByTestId('notice').filter({ hasText: `${a} withdrew a message` })).toBeVisible()
    await expect(message(bob.page, kept)).toHaveCount(1)
    expect(filesContaining(bob.profileDir, secret)).toEqual([])

    // Node 1 goes away: Alice reconnects through the balancer, to node 2, and goes on.
    await cluster.nodes[0]!.stop()
    await expect(connectionStatus(alice.page)).toHaveAttribute('data-state', 'online', { timeout: 45_000 })
    await expect.poll(() => servedBy(cluster, 1, a)).toBe(true)
    const after = marker('after failover')
    const secondSecret = marker('withdrawn after failover')
    await send(alice.page, after)
    await send(alice.page, secondSecret)
    await expect(message(bob.page, secondSecret)).toHaveCount(1)
    await withdraw(alice.page, message(alice.page, secondSecret))
    await expect(message(bob.page, secondSecret)).toHaveCount(0)
    await expect(bob.page.getByTestId('notice').filter({ hasText: `${a} withdrew a message` })).toHaveCount(2)
    await expect(message(bob.page, after)).toHaveCount(1)
    expect(filesContaining(bob.profileDir, secondSecret)).toEqual([])
  } finally {
    if (testInfo.status !== testInfo.expectedStatus) {
      for (const [i, node] of cluster.nodes.entries()) await testInfo.attach(`node${i + 1}.log`, { body: node.log.text() })
      await testInfo.attach('haproxy.log', { body: cluster.log.text() })
    }
    await cluster.stop()
  }
})
