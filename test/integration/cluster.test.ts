/**
 * The cluster deployment end to end: one real PostgreSQL and one real nats-server, started
 * in temp dirs on free ports, and two Parley server processes on them (`--database`,
 * `--nats`), with real client cores on either node. Every promise of the single node must
 * hold across nodes: delivery in order, withdraw by the author and by a group admin from
 * whichever node, the sender's other devices, an offline receiver who comes back through
 * the other node and gets only the notice, a race of two withdraws of one message, device
 * replacement and sign-out across nodes.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MessageView } from '../../src/shared/bridge'
import { CloseCode } from '../../src/shared/protocol'
import { getSession } from '../../src/main/core/db/queries/meta'
import { PostgresStore } from '../../src/server/store/postgres/postgres-store'
import {
  ok,
  RECONNECT_TIMEOUT_MS,
  readProfile,
  signedInClient,
  signedUpClient,
  startClient,
  storedMessage,
  uniqueName,
  type TestClient,
} from '../helpers/client'
import { startNats, type NatsServer } from '../helpers/engines/nats'
import { startPostgres, type PostgresInstance } from '../helpers/engines/postgres'
import { ProtocolDevice } from '../helpers/protocol-device'
import { launchServer, type ServerProcess } from '../helpers/server-process'
import { expectNoTrace, marker } from '../helpers/trace'

let postgres: PostgresInstance
let nats: NatsServer
let databaseUrl: string
let node1: ServerProcess
let node2: ServerProcess
const clients: TestClient[] = []

beforeAll(async () => {
  ;[postgres, nats] = await Promise.all([startPostgres(), startNats()])
  databaseUrl = await postgres.createDatabase('parley_cluster')
  const engines = ['--database', databaseUrl, '--nats', nats.url]
  // both at once: the schema is migrated once, under the advisory lock
  ;[node1, node2] = await Promise.all([launchServer({ args: engines }), launchServer({ args: engines })])
}, 120_000)

afterAll(async () => {
  for (const c of clients) await c.dispose()
  await Promise.all([node1?.dispose(), node2?.dispose()])
  await Promise.all([nats?.stop(), postgres?.stop()])
})

async function onNode(node: ServerProcess, base: string): Promise<{ client: TestClient; name: string }> {
  const name = uniqueName(base)
  const client = await signedUpClient(node.url, name)
  clients.push(client)
  return { client, name }
}

/** `from` sends; resolves once every client in `to` has it. */
async function deliver(from: TestClient, conversationId: string, text: string, to: TestClient[]): Promise<MessageView> {
  const m = ok(await from.h.sendMessage({ conversationId, text }))
  await Promise.all(to.map((c) => c.waitForEvent('message:added', (e) => e.message.id === m.id)))
  return m
}

/** The `cmd` events in one user's log on the server that withdraw `msgId`. */
async function commandsInLog(username: string, msgId: string): Promise<number> {
  const store = await PostgresStore.open(databaseUrl)
  try {
    const events = await store.eventsAfter(username, 0, 10_000)
    return events.filter((e) => e.event.kind === 'cmd' && e.event.ext.msgId === msgId).length
  } finally {
    await store.close()
  }
}

/** One query against the cluster's database, as an operator would run it. */
async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    return (await client.query<T>(text, values)).rows
  } finally {
    await client.end()
  }
}

describe('two nodes on PostgreSQL and NATS', () => {
  it('1:1 across nodes, the author withdraws on node 1, her other device on node 2 and the receiver on node 2 see only the notice', async () => {
    const { client: alice, name: aliceName } = await onNode(node1, 'alice')
    const { client: bob, name: bobName } = await onNode(node2, 'bob')
    const laptop = await signedInClient(node2.url, aliceName)
    clients.push(laptop)
    const conv = ok(await alice.h.openDirect({ username: bobName })).id

    const kept = await deliver(alice, conv, 'hello from node 1', [bob, laptop])
    const back = await deliver(bob, conv, 'hello from node 2', [alice, laptop])
    const secret = marker('cluster-1to1')
    const m = await deliver(alice, conv, `withdraw me ${secret}`, [bob, laptop])

    expect(ok(await alice.h.withdrawMessage({ messageId: m.id }))).toEqual({ outcome: 'withdrawn' })
    for (const c of [bob, laptop]) {
      const w = await c.waitForEvent('message:withdrawn', (e) => e.messageId === m.id)
      expect(w.notice).toMatchObject({ kind: 'notice', notice: { actor: aliceName } })
      expect(storedMessage(c.profileDir, kept.id)).toMatchObject({ kind: 'text' })
      expect(storedMessage(c.profileDir, back.id)).toMatchObject({ kind: 'text' })
    }
    await expectNoTrace(bob.profileDir, secret)
    await expectNoTrace(laptop.profileDir, secret)
    expect(await commandsInLog(bobName, m.id)).toBe(1)
  })

  it('a group across nodes: an admin on node 2 withdraws a member’s message from node 1; refusals hold', async () => {
    const { client: owner } = await onNode(node1, 'owner')
    const { client: admin, name: adminName } = await onNode(node2, 'admin')
    const { client: member, name: memberName } = await onNode(node1, 'member')
    const { client: other, name: otherName } = await onNode(node2, 'other')
    const g = ok(await owner.h.createGroup({ name: 'Across nodes', members: [adminName, memberName, otherName] })).id
    await Promise.all([admin, member, other].map((c) => c.waitForEvent('group:changed', (e) => e.group.conversationId === g)))
    ok(await owner.h.setRole({ conversationId: g, username: adminName, role: 'admin' }))
    await admin.waitForEvent('group:changed', (e) => e.group.conversationId === g && e.group.myRole === 'admin')

    const secret = marker('cluster-group')
    const m = await deliver(member, g, `moderated ${secret}`, [owner, admin, other])
    // a plain member may not withdraw someone else's message, from any node
    expect(await other.h.withdrawMessage({ messageId: m.id })).toMatchObject({ ok: false })
    expect(ok(await admin.h.withdrawMessage({ messageId: m.id }))).toEqual({ outcome: 'withdrawn' })
    for (const c of [owner, member, other]) {
      const w = await c.waitForEvent('message:withdrawn', (e) => e.messageId === m.id)
      expect(w.notice).toMatchObject({ notice: { actor: adminName } })
    }
    await expectNoTrace(other.profileDir, secret)
  })

  it('an offline receiver who comes back through the other node gets only the notice', async () => {
    const { client: alice } = await onNode(node1, 'alice')
    const { client: dave, name: daveName } = await onNode(node1, 'dave')
    const conv = ok(await alice.h.openDirect({ username: daveName })).id
    const before = await deliver(alice, conv, 'before dave leaves', [dave])
    await dave.close()

    const secret = marker('cluster-offline')
    const gone = ok(await alice.h.sendMessage({ conversationId: conv, text: `never seen ${secret}` }))
    const staying = ok(await alice.h.sendMessage({ conversationId: conv, text: 'seen later' }))
    await alice.waitForEvent('message:added', (e) => e.message.id === staying.id)
    expect(ok(await alice.h.withdrawMessage({ messageId: gone.id }))).toEqual({ outcome: 'withdrawn' })

    // Dave's device reopens against node 2
    const back = await startClient({ serverUrl: node2.url, profileDir: dave.profileDir })
    clients.push(back)
    await back.waitForEvent('message:added', (e) => e.message.id === staying.id, { timeoutMs: RECONNECT_TIMEOUT_MS })
    expect(back.events.find('message:added', (e) => e.message.id === gone.id && e.message.kind === 'text')).toBeUndefined()
    expect(storedMessage(back.profileDir, before.id)).toMatchObject({ kind: 'text' })
    await expectNoTrace(back.profileDir, secret)
  })

  it('author and admin withdraw the same message at once on two nodes: one tombstone, one cmd per log', async () => {
    const { client: owner, name: ownerName } = await onNode(node1, 'owner')
    const { client: author, name: authorName } = await onNode(node2, 'author')
    const { client: watcher, name: watcherName } = await onNode(node1, 'watcher')
    const g = ok(await owner.h.createGroup({ name: 'Race', members: [authorName, watcherName] })).id
    await Promise.all([author, watcher].map((c) => c.waitForEvent('group:changed', (e) => e.group.conversationId === g)))
    const m = await deliver(author, g, 'taken back twice at once', [owner, watcher])

    const [byOwner, byAuthor] = await Promise.all([
      owner.h.withdrawMessage({ messageId: m.id }),
      author.h.withdrawMessage({ messageId: m.id }),
    ])
    // both see it withdrawn; whichever lost the race is told it is already gone
    for (const r of [byOwner, byAuthor]) expect(ok(r)).toEqual({ outcome: 'withdrawn' })
    await watcher.waitForEvent('message:withdrawn', (e) => e.messageId === m.id)
    for (const user of [ownerName, authorName, watcherName]) expect(await commandsInLog(user, m.id)).toBe(1)
    const tombstones = await sql<{ withdrawn_by: string }>('SELECT withdrawn_by FROM tombstones WHERE msg_id = $1', [m.id])
    expect(tombstones).toHaveLength(1)
    expect([ownerName, authorName]).toContain(tombstones[0]!.withdrawn_by)
    expect(await sql('SELECT 1 FROM messages WHERE id = $1', [m.id])).toHaveLength(0)
    expect(watcher.events.of('message:withdrawn').filter((e) => e.messageId === m.id)).toHaveLength(1)
  })

  it('a device connecting on node 2 replaces its connection on node 1, and signing out closes it on every node', async () => {
    const { client: alice } = await onNode(node1, 'alice')
    const { token } = readProfile(alice.profileDir, (db) => getSession(db))!
    await alice.close()
    const first = await ProtocolDevice.connect(node1.url, token)
    const second = await ProtocolDevice.connect(node2.url, token)
    expect(first && second).toBeTruthy()
    expect(await first!.closed).toBe(CloseCode.REPLACED)
    expect(second!.isOpen).toBe(true)

    // sign-out through node 1 (the HTTP API) closes the socket on node 2
    const signOut = await fetch(node1.url.replace(/^ws/, 'http') + '/v1/sessions/current', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(signOut.ok).toBe(true)
    expect(await second!.closed).toBe(CloseCode.SESSION_REVOKED)
  })
})
