import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DatabaseTooNewError, type Migration, migrate, schemaVersion } from '../../../node/sqlite/migrate'
import { MIGRATIONS } from './migrations'
import { DATABASE_FILE, DataDirInUseError, openDatabase } from './open'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-migrations-'))
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

function tables(db: Database.Database): Record<string, { strict: number }> {
  const rows = db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'").all() as {
    name: string
    strict: number
  }[]
  return Object.fromEntries(rows.map((r) => [r.name, { strict: r.strict }]))
}

describe('migration list', () => {
  it('numbers versions 1..n without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1))
  })
})

describe('001-initial', () => {
  it('creates strict tables, the hot-path indexes and the clock row', () => {
    const db = new Database(':memory:')
    expect(migrate(db, MIGRATIONS.slice(0, 1))).toBe(1)
    expect(tables(db)).toEqual({
      users: { strict: 1 },
      sessions: { strict: 1 },
      devices: { strict: 1 },
      messages: { strict: 1 },
      tombstones: { strict: 1 },
      events: { strict: 1 },
      clock: { strict: 1 },
    })
    const indexes = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL").all() as { name: string }[]).map(
      (r) => r.name,
    )
    expect(indexes.sort()).toEqual(['events_by_ref', 'sessions_by_user_device'])
    expect(db.prepare('SELECT last_ts FROM clock').get()).toEqual({ last_ts: 0 })
    // events are found by (user, seq) through the primary key, not a scan
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT * FROM events WHERE username = ? AND seq > ? ORDER BY seq').all('a', 0)
    expect(JSON.stringify(plan)).toMatch(/SEARCH events USING PRIMARY KEY/)
    db.close()
  })

  it('is applied once: migrating again changes nothing', () => {
    const db = new Database(':memory:')
    migrate(db, MIGRATIONS)
    db.prepare("INSERT INTO users (username, password_hash, created_at) VALUES ('alice', 'x', 1)").run()
    expect(migrate(db, MIGRATIONS)).toBe(MIGRATIONS.length)
    expect(db.prepare('SELECT count(*) AS n FROM users').get()).toEqual({ n: 1 })
    db.close()
  })
})

describe('002-groups', () => {
  it('adds strict group tables and keeps every event while admitting the group kind', () => {
    const db = new Database(':memory:')
    migrate(db, MIGRATIONS.slice(0, 1))
    db.prepare("INSERT INTO users (username, password_hash, created_at, last_seq) VALUES ('alice', 'x', 1, 2)").run()
    db.prepare("INSERT INTO events (username, seq, kind, ref_id) VALUES ('alice', 1, 'message', 'm1'), ('alice', 2, 'cmd', 'c1')").run()
    expect(() => db.prepare("INSERT INTO events (username, seq, kind, ref_id) VALUES ('alice', 3, 'group', 'g1')").run()).toThrow(
      /CHECK constraint/,
    )

    expect(migrate(db, MIGRATIONS.slice(0, 2))).toBe(2)
    expect(tables(db)).toMatchObject({
      groups: { strict: 1 },
      group_members: { strict: 1 },
      group_events: { strict: 1 },
      events: { strict: 1 },
    })
    expect(tables(db)).not.toHaveProperty('events_new')
    expect(db.prepare('SELECT username, seq, kind, ref_id FROM events ORDER BY seq').all()).toEqual([
      { username: 'alice', seq: 1, kind: 'message', ref_id: 'm1' },
      { username: 'alice', seq: 2, kind: 'cmd', ref_id: 'c1' },
    ])
    db.prepare("INSERT INTO events (username, seq, kind, ref_id) VALUES ('alice', 3, 'group', 'g1')").run()
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT * FROM events WHERE ref_id = ?').all('m1')
    expect(JSON.stringify(plan)).toMatch(/events_by_ref/)
    db.close()
  })

  it('allows one owner per group', () => {
    const db = new Database(':memory:')
    migrate(db, MIGRATIONS.slice(0, 2))
    db.exec(`
      INSERT INTO users (username, password_hash, created_at) VALUES ('alice', 'x', 1), ('bob', 'x', 1);
      INSERT INTO groups (conversation_id, name, created_by, created_at) VALUES ('g:1', 'G', 'alice', 1);
      INSERT INTO group_members (conversation_id, username, role, joined_at) VALUES ('g:1', 'alice', 'owner', 1);`)
    expect(() =>
      db.prepare("INSERT INTO group_members (conversation_id, username, role, joined_at) VALUES ('g:1', 'bob', 'owner', 1)").run(),
    ).toThrow(/UNIQUE/)
    db.close()
  })
})

describe('003-replies', () => {
  it('adds a nullable reply_to to messages, keeping existing rows', () => {
    const db = new Database(':memory:')
    migrate(db, MIGRATIONS.slice(0, 2))
    db.exec(`
      INSERT INTO users (username, password_hash, created_at) VALUES ('alice', 'x', 1);
      INSERT INTO messages (id, conversation_id, sender, ts, text) VALUES ('m1', 'dm:alice:bob', 'alice', 1, 'hi');`)
    expect(migrate(db, MIGRATIONS.slice(0, 3))).toBe(3)
    expect(db.prepare('SELECT id, reply_to FROM messages').all()).toEqual([{ id: 'm1', reply_to: null }])
    db.prepare("INSERT INTO messages (id, conversation_id, sender, ts, text, reply_to) VALUES ('m2', 'dm:alice:bob', 'alice', 2, 're', 'm1')").run()
    expect(tables(db).messages).toEqual({ strict: 1 })
    db.close()
  })
})

describe('migrate', () => {
  it('rolls a failing migration back completely', () => {
    const db = new Database(':memory:')
    const broken: Migration[] = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: 'broken', up: 'CREATE TABLE half_done (x INTEGER) STRICT; SELECT * FROM no_such_table;' },
    ]
    expect(() => migrate(db, broken)).toThrow(/no_such_table/)
    expect(schemaVersion(db)).toBe(MIGRATIONS.length)
    expect(tables(db)).not.toHaveProperty('half_done')
    db.close()
  })

  it('refuses a database newer than it knows, without touching it', () => {
    const file = path.join(dir, DATABASE_FILE)
    const future = new Database(file)
    future.pragma(`user_version = ${MIGRATIONS.length + 1}`)
    future.close()

    expect(() => openDatabase(dir)).toThrow(DatabaseTooNewError)
    const known = MIGRATIONS.length
    expect(() => openDatabase(dir)).toThrow(`schema version ${known + 1}, newer than this Parley knows (${known})`)
    const check = new Database(file, { readonly: true })
    expect(schemaVersion(check)).toBe(MIGRATIONS.length + 1)
    expect(tables(check)).toEqual({})
    check.close()
  })
})

describe('openDatabase', () => {
  it('sets the durability and privacy pragmas', () => {
    const db = openDatabase(dir)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('synchronous', { simple: true })).toBe(2) // FULL
    expect(db.pragma('secure_delete', { simple: true })).toBe(1)
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(schemaVersion(db)).toBe(MIGRATIONS.length)
    db.close()
  })

  it('refuses a data directory another server holds', () => {
    const first = openDatabase(dir)
    expect(() => openDatabase(dir)).toThrow(DataDirInUseError)
    first.close()
    openDatabase(dir).close()
  })
})
