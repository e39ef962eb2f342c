/**
 * The PostgreSQL schema, one migration per version, recorded in `parley_schema` (one row
 * per applied version). Any number of nodes may start at once against one database: the
 * migration runs under a transaction-scoped advisory lock, so the first node applies it and
 * the others, once they get the lock, find it applied. A database migrated by a newer
 * Parley is refused untouched.
 */
import { DatabaseTooNewError } from '../../../node/sqlite/migrate'
import type pg from 'pg'
import { watchCheckedOut } from './sql'

export interface PgMigration {
  version: number
  name: string
  up: string
}

/**
 * The same tables as the SQLite store (sqlite/migrations), with two differences that come
 * from many nodes sharing the database:
 * - `conversations` holds one counter row per conversation, its last server timestamp:
 *   there is no store-wide clock row for every node to queue on (log.ts).
 * - `users.last_seq` is the per-user log counter itself, moved in the writing transaction.
 * Events reference their message, tombstone, receipt or group event instead of copying
 * them, so deleting a message row removes its text from every log.
 */
const migration001: PgMigration = {
  version: 1,
  name: 'initial',
  up: `
    CREATE TABLE users (
      username      text   NOT NULL PRIMARY KEY,
      password_hash text   NOT NULL,
      created_at    bigint NOT NULL,
      -- last seq handed out in this user's log: the counter row writers lock (log.ts)
      last_seq      bigint NOT NULL DEFAULT 0
    );

    CREATE TABLE sessions (
      id         text   NOT NULL PRIMARY KEY,
      token_hash bytea  NOT NULL UNIQUE,
      username   text   NOT NULL REFERENCES users (username),
      device_id  text   NOT NULL,
      created_at bigint NOT NULL
    );
    CREATE INDEX sessions_by_user_device ON sessions (username, device_id);

    CREATE TABLE devices (
      username  text   NOT NULL REFERENCES users (username),
      device_id text   NOT NULL,
      cursor    bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (username, device_id)
    );

    -- one counter row per conversation: its last server timestamp
    CREATE TABLE conversations (
      conversation_id text   NOT NULL PRIMARY KEY,
      last_ts         bigint NOT NULL DEFAULT 0
    );

    CREATE TABLE messages (
      id              text   NOT NULL PRIMARY KEY,
      conversation_id text   NOT NULL,
      sender          text   NOT NULL REFERENCES users (username),
      ts              bigint NOT NULL,
      text            bytea  NOT NULL,  -- UTF-8 (sql.ts: textBytes)
      reply_to        text
    );

    CREATE TABLE tombstones (
      msg_id          text   NOT NULL PRIMARY KEY,
      conversation_id text   NOT NULL,
      author          text   NOT NULL,
      message_ts      bigint NOT NULL,
      withdrawn_by    text   NOT NULL,
      withdrawn_at    bigint NOT NULL,
      cmd_id          text   NOT NULL UNIQUE,
      chat_type       text   NOT NULL CHECK (chat_type IN ('Chat', 'GroupChat')),
      reason          bytea             -- UTF-8
    );

    CREATE TABLE groups (
      conversation_id text    NOT NULL PRIMARY KEY,
      name            bytea   NOT NULL,  -- UTF-8
      created_by      text    NOT NULL REFERENCES users (username),
      created_at      bigint  NOT NULL,
      version         integer NOT NULL DEFAULT 1
    );

    CREATE TABLE group_members (
      conversation_id text   NOT NULL REFERENCES groups (conversation_id),
      username        text   NOT NULL REFERENCES users (username),
      role            text   NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
      joined_at       bigint NOT NULL,
      PRIMARY KEY (conversation_id, username)
    );
    CREATE UNIQUE INDEX group_members_one_owner ON group_members (conversation_id) WHERE role = 'owner';

    CREATE TABLE group_events (
      id              text   NOT NULL PRIMARY KEY,
      conversation_id text   NOT NULL REFERENCES groups (conversation_id),
      actor           text   NOT NULL,
      ts              bigint NOT NULL,
      change          json   NOT NULL,
      -- the roster right after the change
      roster          json   NOT NULL
    );

    CREATE TABLE receipts (
      id              text   NOT NULL PRIMARY KEY,
      conversation_id text   NOT NULL,
      up_to           bigint NOT NULL,
      delivered_at    bigint NOT NULL
    );

    -- per sender and conversation, the newest message timestamp known delivered
    CREATE TABLE delivery_marks (
      conversation_id text   NOT NULL,
      sender          text   NOT NULL,
      up_to           bigint NOT NULL,
      PRIMARY KEY (conversation_id, sender)
    );

    CREATE TABLE events (
      username text   NOT NULL REFERENCES users (username),
      seq      bigint NOT NULL,
      kind     text   NOT NULL CHECK (kind IN ('message', 'receipt', 'cmd', 'group')),
      -- message id, receipt id, cmd id or group event id
      ref_id   text   NOT NULL,
      PRIMARY KEY (username, seq)
    );
    -- a withdraw deletes every event of one message, in every log
    CREATE INDEX events_by_ref ON events (ref_id);

    -- The database's clock in ms: every node stamps with it, so skewed node clocks cannot
    -- reorder a conversation or stretch a withdraw window. clock_timestamp(), not now():
    -- a retried or long transaction must not reuse its start time. The offset setting is
    -- for tests that need time to pass (PostgresStore.open's clockOffsetMs); unset, it is 0.
    CREATE FUNCTION parley_now_ms() RETURNS bigint LANGUAGE sql VOLATILE AS $$
      SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint
             + coalesce(nullif(current_setting('parley.clock_offset_ms', true), '')::bigint, 0)
    $$;
  `,
}

/** Sign-in and sign-up throttles shared by every node (throttle.ts). */
const migration002: PgMigration = {
  version: 2,
  name: 'throttles',
  up: `
    CREATE TABLE throttles (
      bucket     text             NOT NULL,
      key        text             NOT NULL,
      tokens     double precision NOT NULL,
      updated_at timestamptz      NOT NULL,
      PRIMARY KEY (bucket, key)
    );
    CREATE INDEX throttles_by_age ON throttles (updated_at);
  `,
}

/** Every schema version in order; append one for each change, never edit a shipped one. */
export const PG_MIGRATIONS: readonly PgMigration[] = [migration001, migration002]

/** Key of the advisory lock migrations run under (any constant unique to Parley: "parley" in ASCII). */
const MIGRATION_LOCK_KEY = '123563833845113'

/**
 * Brings the schema up to date, in one transaction holding the migration lock; returns the
 * version reached. Throws DatabaseTooNewError for a database from a newer Parley.
 */
export async function migrate(
  pool: pg.Pool,
  where: string,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
): Promise<number> {
  const known = migrations.at(-1)?.version ?? 0
  const client = await pool.connect()
  let reusable = true
  const onLost = watchCheckedOut(client, () => (reusable = false))
  try {
    await client.query('BEGIN')
    // held until COMMIT: a second node waits here, then finds the work done
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY])
    await client.query(`
      CREATE TABLE IF NOT EXISTS parley_schema (
        version    integer     NOT NULL PRIMARY KEY,
        name       text        NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`)
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM parley_schema')
    const current = rows[0]?.version ?? 0
    if (current > known) {
      throw new DatabaseTooNewError(where, current, known, 'run a newer Parley server or point --database at another database')
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue
      await client.query(migration.up)
      await client.query('INSERT INTO parley_schema (version, name) VALUES ($1, $2)', [migration.version, migration.name])
    }
    await client.query('COMMIT')
    return Math.max(current, known)
  } catch (err) {
    await client.query('ROLLBACK').catch(() => (reusable = false))
    throw err
  } finally {
    client.off('error', onLost)
    client.release(!reusable)
  }
}
