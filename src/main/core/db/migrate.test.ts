import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { tempProfile } from '../testing/harness'
import { DatabaseTooNewError, latestVersion, schemaVersion } from '../../../node/sqlite/migrate'
import { migrations } from './migrations'
import { databasePath, openDatabase } from './open'
import { getMessage, searchMessageIds } from './queries/messages'

const dirs: string[] = []
function profile(): string {
  const d = tempProfile('parley-migrate-')
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tables(db: BetterSqlite3.Database): string[] {
  return db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'messages_fts_%' ORDER BY name")
    .pluck()
    .all() as string[]
}

describe('migrations', () => {
  it('are numbered 1..n without gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1))
  })

  it.each(migrations.map((m) => [m.version, m.name] as const))('version %i (%s) applies on top of the previous one', (version) => {
    const dir = profile()
    const before = migrations.filter((m) => m.version < version)
    openDatabase({ profileDir: dir, migrations: before }).close()
    const db = openDatabase({ profileDir: dir, migrations: migrations.filter((m) => m.version <= version) })
    expect(schemaVersion(db)).toBe(version)
    db.close()
  })

  it('version 1 creates the schema, STRICT', () => {
    const db = openDatabase({ profileDir: profile(), migrations: migrations.slice(0, 1) })
    expect(tables(db)).toEqual(['conversations', 'messages', 'messages_fts', 'meta', 'outbox', 'reedit_drafts', 'tombstones'])
    const strict = db.prepare("SELECT name FROM pragma_table_list WHERE strict = 1 AND schema = 'main' ORDER BY name").pluck().all()
    expect(strict).toEqual(['conversations', 'messages', 'meta', 'outbox', 'reedit_drafts', 'tombstones'])
    // STRICT really rejects a wrong type.
    db.prepare("INSERT INTO conversations (id, kind, title, last_ts, created_at) VALUES ('dm:aaa:bbb', 'direct', 'bbb', 1, 1)").run()
    expect(() =>
      db.prepare("INSERT INTO messages (id, conversation_id, sender, kind, text, ts) VALUES ('x', 'dm:aaa:bbb', 'aaa', 'text', 'hi', 'soon')").run(),
    ).toThrow(/cannot store TEXT value in INTEGER column/)
    db.close()
  })

  it('version 2 adds reply references and the settings table, keeping messages', () => {
    const dir = profile()
    const v1 = openDatabase({ profileDir: dir, migrations: migrations.slice(0, 1) })
    v1.prepare("INSERT INTO conversations (id, kind, title, last_ts, created_at) VALUES ('dm:aaa:bbb', 'direct', 'bbb', 1, 1)").run()
    v1.prepare("INSERT INTO messages (id, conversation_id, sender, kind, text, ts) VALUES ('m1', 'dm:aaa:bbb', 'aaa', 'text', 'hi', 1)").run()
    v1.close()
    const db = openDatabase({ profileDir: dir, migrations: migrations.slice(0, 2) })
    expect(db.prepare('SELECT id, reply_to FROM messages').all()).toEqual([{ id: 'm1', reply_to: null }])
    expect(tables(db)).toContain('settings')
    const strict = db.prepare("SELECT strict FROM pragma_table_list WHERE name = 'settings'").pluck().get()
    expect(strict).toBe(1)
    const plan = JSON.stringify(db.prepare('EXPLAIN QUERY PLAN SELECT id FROM messages WHERE reply_to = ?').all('m1'))
    expect(plan).toMatch(/messages_by_reply_to/)
    db.close()
  })

  it('version 3 adds group role spans and group notice columns; older notices stay withdraw notices', () => {
    const dir = profile()
    const v2 = openDatabase({ profileDir: dir, migrations: migrations.slice(0, 2) })
    v2.prepare("INSERT INTO conversations (id, kind, title, last_ts, created_at) VALUES ('dm:aaa:bbb', 'direct', 'bbb', 1, 1)").run()
    v2.prepare(
      "INSERT INTO messages (id, conversation_id, sender, kind, ts, notice_actor, notice_author) VALUES ('n1', 'dm:aaa:bbb', 'aaa', 'notice', 1, 'aaa', 'aaa')",
    ).run()
    v2.close()
    const db = openDatabase({ profileDir: dir, migrations: migrations.slice(0, 3) })
    expect(tables(db)).toContain('group_roles')
    expect(db.prepare("SELECT strict FROM pragma_table_list WHERE name = 'group_roles'").pluck().get()).toBe(1)
    expect(getMessage(db, 'n1')).toMatchObject({ kind: 'notice', noticeType: 'withdrawn', noticeMembers: [], noticeRole: null })
    expect(() => db.prepare("UPDATE messages SET notice_type = 'nonsense' WHERE id = 'n1'").run()).toThrow(/CHECK/)
    const plan = JSON.stringify(db.prepare('EXPLAIN QUERY PLAN SELECT role FROM group_roles WHERE conversation_id = ? AND username = ?').all('g', 'u'))
    expect(plan).toMatch(/group_roles_by_member/)
    db.close()
  })

  it('version 4 splits the search index into recent and archive partitions by age, keeping every entry', () => {
    const dir = profile()
    const v3 = openDatabase({ profileDir: dir, migrations: migrations.slice(0, 3) })
    v3.prepare("INSERT INTO conversations (id, kind, title, last_ts, created_at) VALUES ('dm:aaa:bbb', 'direct', 'bbb', 1, 1)").run()
    const text = v3.prepare("INSERT INTO messages (id, conversation_id, sender, kind, text, ts) VALUES (?, 'dm:aaa:bbb', 'aaa', 'text', ?, ?)")
    const fts = v3.prepare('INSERT INTO messages_fts (rowid, text) VALUES (?, ?)')
    for (const [id, body, ts] of [['m1', 'hello there', 1], ['m2', 'general kenobi', Date.now()]] as const) {
      fts.run(text.run(id, body, ts).lastInsertRowid, body)
    }
    v3.prepare(
      "INSERT INTO messages (id, conversation_id, sender, kind, ts, notice_actor, notice_author) VALUES ('n1', 'dm:aaa:bbb', 'aaa', 'notice', 3, 'aaa', 'aaa')",
    ).run()
    v3.close()
    const db = openDatabase({ profileDir: dir, migrations: migrations.slice(0, 4) })
    const ftsTables = db.prepare("SELECT name FROM sqlite_schema WHERE sql LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name").pluck().all()
    expect(ftsTables).toEqual(['messages_fts_archive', 'messages_fts_recent'])
    for (const t of ftsTables) {
      expect(db.prepare(`SELECT v FROM ${String(t)}_config WHERE k = 'secure-delete'`).pluck().get()).toBe(1)
    }
    const rowOf = (id: string) => getMessage(db, id)!.rowId
    expect(db.prepare('SELECT rowid FROM messages_fts_recent').pluck().all()).toEqual([rowOf('m2')])
    expect(db.prepare('SELECT rowid FROM messages_fts_archive').pluck().all()).toEqual([rowOf('m1')])
    expect(searchMessageIds(db, 'kenobi')).toEqual(['m2'])
    expect(searchMessageIds(db, 'there')).toEqual(['m1'])
    db.close()
  })

  it('opens with WAL, synchronous=FULL, secure_delete and foreign keys', () => {
    const db = openDatabase({ profileDir: profile() })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('synchronous', { simple: true })).toBe(2)
    expect(db.pragma('secure_delete', { simple: true })).toBe(1)
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(schemaVersion(db)).toBe(latestVersion(migrations))
    db.close()
  })

  it('a second open of an up-to-date database changes nothing', () => {
    const dir = profile()
    openDatabase({ profileDir: dir }).close()
    const db = openDatabase({ profileDir: dir })
    expect(schemaVersion(db)).toBe(latestVersion(migrations))
    db.close()
  })

  it('creates the profile directory', () => {
    const dir = path.join(profile(), 'nested', 'profile')
    openDatabase({ profileDir: dir }).close()
    expect(readdirSync(dir)).toContain('parley.db')
  })

  it('refuses a database from a newer Parley, with a clear error, and leaves it untouched', () => {
    const dir = profile()
    const file = databasePath(dir)
    const future = new BetterSqlite3(file)
    future.pragma('journal_mode = WAL')
    future.exec('CREATE TABLE from_the_future (x INTEGER) STRICT')
    future.pragma(`user_version = ${latestVersion(migrations) + 1}`)
    future.close()
    const digest = () => createHash('sha256').update(readFileSync(file)).digest('hex')
    const before = digest()
    const filesBefore = readdirSync(dir).sort()

    let error: unknown
    try {
      openDatabase({ profileDir: dir })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(DatabaseTooNewError)
    expect((error as Error).message).toMatch(/newer Parley/)
    expect((error as DatabaseTooNewError).found).toBe(latestVersion(migrations) + 1)
    expect(digest()).toBe(before)
    expect(readdirSync(dir).sort()).toEqual(filesBefore)
  })

  it('rolls a failing migration back entirely', () => {
    const dir = profile()
    const broken = [
      ...migrations,
      {
        version: latestVersion(migrations) + 1,
        name: 'broken',
        up(db: BetterSqlite3.Database) {
          db.exec('CREATE TABLE half_done (x INTEGER) STRICT')
          throw new Error('boom')
        },
      },
    ]
    expect(() => openDatabase({ profileDir: dir, migrations: broken })).toThrow('boom')
    const db = openDatabase({ profileDir: dir })
    expect(schemaVersion(db)).toBe(latestVersion(migrations))
    expect(tables(db)).not.toContain('half_done')
    db.close()
  })
})
