/**
 * The PostgreSQL store against a real PostgreSQL 15 started for this file (one instance,
 * a fresh database per test): the store contract (../conformance.ts), then what only a
 * store shared by many nodes must show — logs that stay gap-free in commit order under
 * concurrent writers, one winner among concurrent withdraws, migrations run once by nodes
 * starting together, the database's clock, and clear errors when it cannot open.
 */
import net from 'node:net'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPostgres, type PostgresInstance } from '../../../../test/helpers/engines/postgres'
import { newId } from '../../../shared/ids'
import { directConversationId } from '../../../shared/protocol'
import { decideWithdraw, type WithdrawDecision } from '../../../shared/withdraw-rules'
import { describeChatStore } from '../conformance'
import type { NewMessage, WithdrawResult } from '../types'
import { PG_MIGRATIONS } from './migrations'
import { PostgresStore } from './postgres-store'
import { inTransaction } from './sql'

let postgres: PostgresInstance
/** One migrated database the tests share, emptied before each (the migrations' own tests make their own). */
let shared: string

beforeAll(async () => {
  postgres = await startPostgres()
  shared = await postgres.createDatabase()
  await (await PostgresStore.open(shared)).close()
}, 60_000)

/**
 * The shared database as freshly migrated: every table but the schema record emptied, in
 * one statement. (A database per test costs a few hundred ms each on a loaded machine;
 * tests in a file run one at a time, and each closes its stores before the next begins.)
 */
async function emptyDatabase(): Promise<string> {
  await inspect(shared, async (client) => {
    const { rows } = await client.query<{ name: string }>(
      "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'parley_schema'",
    )
    await client.query(`TRUNCATE ${rows.map((r) => r.name).join(', ')}`)
  })
  return shared
}
afterAll(async () => {
  await postgres?.stop()
})

describeChatStore('PostgresStore', async () => {
  const url = await emptyDatabase()
  let current = await PostgresStore.open(url)
  return {
    store: current,
    async reopen() {
      await current.close()
      current = await PostgresStore.open(url)
      return current
    },
    async dispose() {
      await current.close()
    },
  }
})

/** A plain client on the test database, to look at what the store wrote. */
async function inspect<T>(url: string, look: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await look(client)
  } finally {
    await client.end()
  }
}

async function freshStore(options: Parameters<typeof PostgresStore.open>[1] = {}, users: string[] = ['alice', 'bob']) {
  const url = await emptyDatabase()
  const store = await PostgresStore.open(url, options)
  for (const username of users) await store.createUser({ username, passwordHash: 'unused', createdAt: 1 })
  return { url, store }
}

const allow = (): WithdrawDecision => ({ allowed: true, as: 'author' })

describe('PostgresStore under concurrent writers', () => {
  it('keeps every log gap-free and readable in commit order while many connections append at once', async () => {
    const users = ['u0', 'u1', 'u2', 'u3']
    const { store } = await freshStore({ maxConnections: 8 }, users)
    const pairs = users.flatMap((a, i) => users.slice(i + 1).map((b) => [a, b] as const))
    const sent = new Map<string, number>(users.map((u) => [u, 0]))
    // a device per user, reading its log as it grows: if a later seq ever committed before an
    // earlier one, the reader would move its cursor past the earlier one and never see it
    const seen = new Map<string, number[]>(users.map((u) => [u, []]))
    let writing = true
    const readers = users.map(async (user) => {
      let cursor = 0
      for (;;) {
        const done = !writing
        const events = await store.eventsAfter(user, cursor, 50)
        for (const e of events) seen.get(user)!.push(e.seq)
        cursor = events.at(-1)?.seq ?? cursor
        if (done && events.length === 0) return
      }
    })

    const writes: Promise<unknown>[] = []
    for (let i = 0; i < 240; i++) {
      // members in both orders, so unordered locking would deadlock
      const [a, b] = pairs[i % pairs.length]!
      const members = i % 2 === 0 ? [a, b] : [b, a]
      for (const m of members) sent.set(m, sent.get(m)! + 1)
      const message: NewMessage = { id: newId(), conversationId: directConversationId(a, b), sender: members[0]!, text: `m${i}`, members, now: 0 }
      // each call is its own transaction on whichever pooled connection is free
      writes.push(store.appendMessages([message]))
    }
    const results = (await Promise.all(writes)) as Array<Array<{ kind: string }>>
    expect(results.flat().every((r) => r.kind === 'appended')).toBe(true)
    writing = false
    await Promise.all(readers)

    for (const user of users) {
      const n = sent.get(user)!
      expect(seen.get(user)).toEqual(Array.from({ length: n }, (_, i) => i + 1))
      // and within each conversation, timestamps rise with the log
      const byConversation = new Map<string, number[]>()
      for (const { event } of await store.eventsAfter(user, 0, 1_000)) {
        if (event.kind !== 'message') continue
        byConversation.set(event.conversationId, [...(byConversation.get(event.conversationId) ?? []), event.ts])
      }
      for (const stamps of byConversation.values()) {
        expect(new Set(stamps).size).toBe(stamps.length)
        expect(stamps).toEqual([...stamps].sort((x, y) => x - y))
      }
    }
    await store.close()
  })

  it('lets exactly one of two concurrent withdraws of a message (author and admin, two nodes) win', async () => {
    const { url, store } = await freshStore({}, ['alice', 'bob', 'carol'])
    // a second node on the same database
    const other = await PostgresStore.open(url)
    const g = `g:${newId()}`
    const members = ['alice', 'bob', 'carol']
    await store.createGroup({
      opId: newId(),
      conversationId: g,
      name: 'G',
      members: [{ username: 'carol', role: 'owner' }, { username: 'bob', role: 'admin' }, { username: 'alice', role: 'member' }],
      actor: 'carol',
      now: 0,
    })
    const rounds = 8
    for (let round = 0; round < rounds; round++) {
      const msgId = newId()
      await store.appendMessages([{ id: msgId, conversationId: g, sender: 'alice', text: `r${round}`, members, groupVersion: 1, now: 0 }])
      const withdraw = (node: PostgresStore, by: string, as: 'author' | 'admin') =>
        node.withdrawMessage({
          msgId,
          conversationId: g,
          by,
          cmdId: newId(),
          chatType: 'GroupChat',
          reason: null,
          members,
          groupVersion: 1,
          now: 0,
          authorize: () => ({ allowed: true, as }),
        })
      const outcomes: WithdrawResult[] = await Promise.all([withdraw(store, 'alice', 'author'), withdraw(other, 'bob', 'admin')])
      expect(outcomes.map((o) => o.kind).sort()).toEqual(['already-withdrawn', 'withdrawn'])
      const winner = outcomes.find((o) => o.kind === 'withdrawn')!
      const loser = outcomes.find((o) => o.kind === 'already-withdrawn')!
      if (winner.kind !== 'withdrawn' || loser.kind !== 'already-withdrawn') throw new Error('unreachable')
      // the loser answers with the winner's tombstone
      expect(loser.tombstone).toEqual(winner.tombstone)
    }
    await inspect(url, async (client) => {
      expect((await client.query('SELECT count(*)::int AS n FROM tombstones')).rows[0].n).toBe(rounds)
      expect((await client.query('SELECT count(*)::int AS n FROM messages')).rows[0].n).toBe(0)
    })
    for (const user of members) {
      const kinds = (await store.eventsAfter(user, 0, 100)).map((e) => e.event.kind)
      // the created event, then one cmd per round: no message left, no second cmd
      expect(kinds).toEqual(['group', ...Array<string>(rounds).fill('cmd')])
    }
    await other.close()
    await store.close()
  })
})

describe('PostgresStore units of work', () => {
  it('runs a unit that lost a deadlock again instead of surfacing it', async () => {
    const url = await emptyDatabase()
    await inspect(url, (client) => client.query("INSERT INTO conversations (conversation_id) VALUES ('x'), ('y')"))
    const pool = new pg.Pool({ connectionString: url, max: 2 })
    // both units hold their first row before either asks for its second: a real deadlock
    let arrived = 0
    let release!: () => void
    const bothHoldOne = new Promise<void>((resolve) => (release = resolve))
    const attempts = { xy: 0, yx: 0 }
    const unit = (order: 'xy' | 'yx') =>
      inTransaction(pool, async (sql) => {
        attempts[order]++
        await sql.query("SET LOCAL deadlock_timeout = '50ms'")
        const [first, second] = order === 'xy' ? ['x', 'y'] : ['y', 'x']
        await sql.query('UPDATE conversations SET last_ts = last_ts + 1 WHERE conversation_id = $1', [first])
        if (attempts[order] === 1 && ++arrived === 2) release()
        if (attempts[order] === 1) await bothHoldOne
        await sql.query('UPDATE conversations SET last_ts = last_ts + 1 WHERE conversation_id = $1', [second])
        return order
      })
    expect(await Promise.all([unit('xy'), unit('yx')])).toEqual(['xy', 'yx'])
    // PostgreSQL aborted one of them; it ran again and both committed exactly once
    expect(attempts.xy + attempts.yx).toBe(3)
    const { rows } = await pool.query('SELECT conversation_id, last_ts FROM conversations ORDER BY conversation_id')
    expect(rows).toEqual([{ conversation_id: 'x', last_ts: '2' }, { conversation_id: 'y', last_ts: '2' }])
    await pool.end()
  })

  it('fails a unit whose connection is cut mid-transaction, without an uncaught error (the node stays up)', async () => {
    const url = await emptyDatabase()
    const pool = new pg.Pool({ connectionString: url, max: 2 })
    const unit = inTransaction(pool, async (sql) => {
      const client = sql as pg.PoolClient
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      const ended = new Promise((resolve) => client.once('end', resolve))
      // what a PostgreSQL stop does to every connection: the backend goes, between two statements
      await inspect(url, (admin) => admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]))
      await ended
      await client.query('SELECT 1')
    })
    // the unit reports the loss; pg's 'error' event on the checked-out client was handled
    // (unhandled, it is an uncaught exception that fails this run and ends a server)
    await expect(unit).rejects.toThrow()
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await pool.end()
  })

  it('marks a delivery once when two devices acknowledge it on two nodes at once', async () => {
    const { url, store } = await freshStore()
    const other = await PostgresStore.open(url)
    const ab = directConversationId('alice', 'bob')
    for (const text of ['one', 'two']) {
      await store.appendMessages([{ id: newId(), conversationId: ab, sender: 'alice', text, members: ['alice', 'bob'], now: 0 }])
    }
    const [phone, laptop] = await Promise.all([
      store.ackDevices([{ username: 'bob', deviceId: 'phone', seq: 2, now: 0 }]),
      other.ackDevices([{ username: 'bob', deviceId: 'laptop', seq: 2, now: 0 }]),
    ])
    expect([phone[0]!.cursor, laptop[0]!.cursor]).toEqual([2, 2])
    // the receipt went to alice once, from whichever ack came first
    expect(phone[0]!.deliveries.length + laptop[0]!.deliveries.length).toBe(1)
    expect((await store.eventsAfter('alice', 0, 10)).map((e) => e.event.kind)).toEqual(['message', 'message', 'receipt'])
    await other.close()
    await store.close()
  })

  it('keeps one session per device when two nodes sign the same device in at once', async () => {
    const { url, store } = await freshStore()
    const other = await PostgresStore.open(url)
    const session = (n: number) => ({ id: newId(), tokenHash: Buffer.alloc(32, n), username: 'bob', deviceId: 'phone', createdAt: 1 })
    const [a, b] = [session(1), session(2)]
    const answers = await Promise.all([store.createSession(a), other.createSession(b)])
    // the later one replaced the earlier one, whichever that was
    expect(answers.map((r) => r.replaced.length).sort()).toEqual([0, 1])
    const left = await inspect(url, async (client) => (await client.query('SELECT id FROM sessions')).rows.map((r) => r.id as string))
    expect(left).toHaveLength(1)
    expect([a.id, b.id]).toContain(left[0])
    await other.close()
    await store.close()
  })
})

describe('PostgresStore shared throttle', () => {
  it('spends each token once across nodes, refuses the rest with a retry time, and refills on the database clock', async () => {
    const { url, store } = await freshStore()
    const other = await PostgresStore.open(url)
    const limits = { capacity: 5, refillPerSecond: 1 }
    const [one, two] = [store.sharedThrottle(), other.sharedThrottle()]
    // twelve takes at once, spread over two nodes: exactly the five tokens are spent
    const takes = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? one : two).take('sign-in-username', 'bob', limits)))
    expect(takes.filter((t) => t.ok)).toHaveLength(5)
    for (const t of takes.filter((t) => !t.ok)) expect(t).toMatchObject({ ok: false, retryAfterMs: expect.any(Number) })
    const retryAfterMs = Math.max(...takes.map((t) => (t.ok ? 0 : t.retryAfterMs)))
    expect(retryAfterMs).toBeGreaterThan(0)
    expect(retryAfterMs).toBeLessThanOrEqual(1_000)
    // other keys and buckets have their own tokens
    expect(await one.take('sign-in-username', 'alice', limits)).toEqual({ ok: true })
    expect(await one.take('sign-in-address', 'bob', limits)).toEqual({ ok: true })
    // an hour later by the database's clock the bucket is full again, and no fuller than its capacity
    await inspect(url, (client) => client.query("UPDATE throttles SET updated_at = updated_at - interval '1 hour'"))
    const later = await Promise.all(Array.from({ length: 7 }, () => two.take('sign-in-username', 'bob', limits)))
    expect(later.filter((t) => t.ok)).toHaveLength(5)
    await other.close()
    await store.close()
  })
})

describe('PostgresStore clock', () => {
  it('stamps with the database clock, not the caller’s now', async () => {
    const offset = 3_600_000
    const { store } = await freshStore({ clockOffsetMs: offset })
    const before = Date.now()
    const [result] = await store.appendMessages([
      { id: newId(), conversationId: directConversationId('alice', 'bob'), sender: 'alice', text: 'x', members: ['alice', 'bob'], now: 1 },
    ])
    const after = Date.now()
    if (result?.kind !== 'appended') throw new Error(result?.kind)
    // the test's clock and the database's are the same machine's; the offset stands in for a skewed node
    expect(result.ts).toBeGreaterThanOrEqual(before + offset - 1_000)
    expect(result.ts).toBeLessThanOrEqual(after + offset + 1_000)
    await store.close()
  })

  it('measures the withdraw window on the database clock, whatever the node passes as now', async () => {
    const { url, store } = await freshStore()
    const ab = directConversationId('alice', 'bob')
    const msgId = newId()
    const [sent] = await store.appendMessages([{ id: msgId, conversationId: ab, sender: 'alice', text: 'x', members: ['alice', 'bob'], now: 0 }])
    if (sent?.kind !== 'appended') throw new Error(sent?.kind)
    // three minutes later by the database's clock; the node still believes it is the moment of sending
    const later = await PostgresStore.open(url, { clockOffsetMs: 180_000 })
    let decidedAt = 0
    const result = await later.withdrawMessage({
      msgId,
      conversationId: ab,
      by: 'alice',
      cmdId: newId(),
      chatType: 'Chat',
      reason: null,
      members: ['alice', 'bob'],
      now: sent.ts,
      authorize: (message, now) => {
        decidedAt = now
        return decideWithdraw({ actor: 'alice', author: message.sender, actorRole: 'member', messageTs: message.ts, now, windowSeconds: 120, adminWindowSeconds: 0 })
      },
    })
    expect(result).toEqual({ kind: 'refused', decision: { allowed: false, code: 'RECALL_TIME_LIMIT' } })
    expect(decidedAt - sent.ts).toBeGreaterThanOrEqual(179_000)
    await later.close()
    // on the node's own clock it is still inside the window
    expect((await store.withdrawMessage({ msgId, conversationId: ab, by: 'alice', cmdId: newId(), chatType: 'Chat', reason: null, members: ['alice', 'bob'], now: 0, authorize: allow })).kind).toBe('withdrawn')
    await store.close()
  })
})

describe('PostgresStore open', () => {
  it('runs the migrations once when several nodes start together', async () => {
    const url = await postgres.createDatabase()
    const stores = await Promise.all([PostgresStore.open(url), PostgresStore.open(url), PostgresStore.open(url)])
    const rows = await inspect(url, async (client) => (await client.query('SELECT version, name FROM parley_schema ORDER BY version')).rows)
    expect(rows).toEqual(PG_MIGRATIONS.map((m) => ({ version: m.version, name: m.name })))
    // and each of them works on the one schema
    for (const [i, store] of stores.entries()) expect(await store.createUser({ username: `n${i}`, passwordHash: 'x', createdAt: 1 })).toBe('created')
    await Promise.all(stores.map((s) => s.close()))
    // opening again applies nothing
    await (await PostgresStore.open(url)).close()
    expect(await inspect(url, async (client) => (await client.query('SELECT count(*)::int AS n FROM parley_schema')).rows[0].n)).toBe(PG_MIGRATIONS.length)
  })

  it('creates the schema: every table, and a log read by its primary key', async () => {
    const url = await postgres.createDatabase()
    await (await PostgresStore.open(url)).close()
    await inspect(url, async (client) => {
      const tables = (await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).rows.map((r) => r.tablename as string)
      expect(tables).toEqual([
        'conversations', 'delivery_marks', 'devices', 'events', 'group_events', 'group_members', 'groups',
        'messages', 'parley_schema', 'receipts', 'sessions', 'throttles', 'tombstones', 'users',
      ])
      await client.query('SET enable_seqscan = off')
      const plan = (await client.query("EXPLAIN SELECT seq FROM events WHERE username = 'a' AND seq > 0 ORDER BY seq LIMIT 10")).rows
      expect(JSON.stringify(plan)).toMatch(/Index (Only )?Scan using events_pkey/)
    })
  })

  it('refuses a database migrated by a newer Parley, and leaves it untouched', async () => {
    const url = await postgres.createDatabase()
    await (await PostgresStore.open(url)).close()
    const newer = PG_MIGRATIONS.length + 1
    await inspect(url, (client) => client.query("INSERT INTO parley_schema (version, name) VALUES ($1, 'from the future')", [newer]))
    await expect(PostgresStore.open(url)).rejects.toThrow(
      new RegExp(`has schema version ${newer}, newer than this Parley knows \\(${PG_MIGRATIONS.length}\\): run a newer Parley server`),
    )
    expect(await inspect(url, async (client) => (await client.query('SELECT max(version)::int AS v FROM parley_schema')).rows[0].v)).toBe(newer)
  })

  it('fails with one clear line for an unreachable server, a missing database or a bad URL', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo
        server.close(() => resolve(port))
      })
    })
    await expect(PostgresStore.open(`postgres://parley:secret@127.0.0.1:${port}/parley`, { connectTimeoutMs: 2_000 })).rejects.toThrow(
      new RegExp(`^cannot open the PostgreSQL database postgres://parley:\\*\\*\\*@127\\.0\\.0\\.1:${port}/parley: nothing accepts connections there`),
    )
    await expect(PostgresStore.open(postgres.url.replace(/\/postgres$/, '/no_such_db'))).rejects.toThrow(/no such database/)
    await expect(PostgresStore.open('not a url')).rejects.toThrow(/the database URL is not a URL/)
    await expect(PostgresStore.open('mysql://127.0.0.1/x')).rejects.toThrow(/must start with postgres:\/\//)
  })
})
