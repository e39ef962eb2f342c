import type { Migration } from '../../../../node/sqlite/migrate'

/**
 * Group conversations: the group, its members with their roles, and its change events.
 *
 * `version` goes up with every membership or role change; a writer that decided with an
 * older roster (a send, a withdraw, another change) is told so and decides again, so no
 * message reaches someone removed a moment before and no withdraw rests on a role the
 * actor just lost. A `group` event in the log points at its `group_events` row, which keeps
 * the roster as it was right after that change.
 *
 * SQLite cannot alter a CHECK constraint, so `events` is rebuilt to admit kind 'group'.
 */
export const migration002: Migration = {
  version: 2,
  name: 'groups',
  up: `
    CREATE TABLE groups (
      conversation_id TEXT    NOT NULL PRIMARY KEY,
      name            TEXT    NOT NULL,
      created_by      TEXT    NOT NULL REFERENCES users (username),
      created_at      INTEGER NOT NULL,
      version         INTEGER NOT NULL DEFAULT 1
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE group_members (
      conversation_id TEXT    NOT NULL REFERENCES groups (conversation_id),
      username        TEXT    NOT NULL REFERENCES users (username),
      role            TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
      joined_at       INTEGER NOT NULL,
      PRIMARY KEY (conversation_id, username)
    ) STRICT, WITHOUT ROWID;
    CREATE UNIQUE INDEX group_members_one_owner ON group_members (conversation_id) WHERE role = 'owner';

    CREATE TABLE group_events (
      id              TEXT    NOT NULL PRIMARY KEY,
      conversation_id TEXT    NOT NULL REFERENCES groups (conversation_id),
      actor           TEXT    NOT NULL,
      ts              INTEGER NOT NULL,
      -- JSON GroupChange
      change          TEXT    NOT NULL,
      -- JSON GroupRoster right after the change
      roster          TEXT    NOT NULL
    ) STRICT;

    CREATE TABLE events_new (
      username TEXT    NOT NULL REFERENCES users (username),
      seq      INTEGER NOT NULL,
      kind     TEXT    NOT NULL CHECK (kind IN ('message', 'receipt', 'cmd', 'group')),
      -- message id for 'message' and 'receipt', cmd id for 'cmd', group event id for 'group'
      ref_id   TEXT    NOT NULL,
      PRIMARY KEY (username, seq)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO events_new (username, seq, kind, ref_id) SELECT username, seq, kind, ref_id FROM events;
    DROP TABLE events;
    ALTER TABLE events_new RENAME TO events;
    CREATE INDEX events_by_ref ON events (ref_id);
  `,
}
