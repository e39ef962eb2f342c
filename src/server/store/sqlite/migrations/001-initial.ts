import type { Migration } from '../../../../node/sqlite/migrate'

/**
 * Accounts, sessions, devices, message history, tombstones and the per-user log.
 *
 * The log (`events`) holds references, not copies: a `message` or `receipt` event points
 * at its row in `messages` and a `cmd` event at its tombstone. Message text therefore
 * lives in exactly one row, which a withdraw deletes (with secure_delete on).
 */
export const migration001: Migration = {
  version: 1,
  name: 'initial',
  up: `
    CREATE TABLE users (
      username      TEXT    NOT NULL PRIMARY KEY,
      password_hash TEXT    NOT NULL,
      created_at    INTEGER NOT NULL,
      -- last seq handed out in this user's log; kept here because withdraws leave gaps at the end
      last_seq      INTEGER NOT NULL DEFAULT 0
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE sessions (
      id         TEXT    NOT NULL PRIMARY KEY,
      token_hash BLOB    NOT NULL UNIQUE,
      username   TEXT    NOT NULL REFERENCES users (username),
      device_id  TEXT    NOT NULL,
      created_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX sessions_by_user_device ON sessions (username, device_id);

    CREATE TABLE devices (
      username  TEXT    NOT NULL REFERENCES users (username),
      device_id TEXT    NOT NULL,
      cursor    INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (username, device_id)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE messages (
      id              TEXT    NOT NULL PRIMARY KEY,
      conversation_id TEXT    NOT NULL,
      sender          TEXT    NOT NULL REFERENCES users (username),
      ts              INTEGER NOT NULL,
      text            TEXT    NOT NULL,
      delivered_at    INTEGER
    ) STRICT;

    CREATE TABLE tombstones (
      msg_id          TEXT    NOT NULL PRIMARY KEY,
      conversation_id TEXT    NOT NULL,
      author          TEXT    NOT NULL,
      message_ts      INTEGER NOT NULL,
      withdrawn_by    TEXT    NOT NULL,
      withdrawn_at    INTEGER NOT NULL,
      cmd_id          TEXT    NOT NULL UNIQUE,
      chat_type       TEXT    NOT NULL CHECK (chat_type IN ('Chat', 'GroupChat')),
      reason          TEXT
    ) STRICT;

    CREATE TABLE events (
      username TEXT    NOT NULL REFERENCES users (username),
      seq      INTEGER NOT NULL,
      kind     TEXT    NOT NULL CHECK (kind IN ('message', 'receipt', 'cmd')),
      -- message id for 'message' and 'receipt', cmd id for 'cmd'
      ref_id   TEXT    NOT NULL,
      PRIMARY KEY (username, seq)
    ) STRICT, WITHOUT ROWID;
    -- a withdraw deletes every event of one message, in every log
    CREATE INDEX events_by_ref ON events (ref_id);

    -- single row: the last server timestamp handed out
    CREATE TABLE clock (
      id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
      last_ts INTEGER NOT NULL
    ) STRICT;
    INSERT INTO clock (id, last_ts) VALUES (1, 0);
  `,
}
