import type { Migration } from '../../../../node/sqlite/migrate'

export const initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
        peer TEXT,
        title TEXT NOT NULL,
        last_message_id TEXT,
        last_ts INTEGER NOT NULL,
        unread INTEGER NOT NULL DEFAULT 0,
        read_ts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX conversations_by_last_ts ON conversations (last_ts);

      -- row_id aliases the rowid, which keys messages_fts.
      CREATE TABLE messages (
        row_id INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        sender TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('text', 'notice')),
        text TEXT,
        ts INTEGER NOT NULL,
        state TEXT CHECK (state IN ('sending', 'sent', 'delivered', 'failed')),
        notice_actor TEXT,
        notice_author TEXT,
        notice_reason TEXT,
        CHECK ((kind = 'text') = (text IS NOT NULL))
      ) STRICT;
      CREATE INDEX messages_by_conversation ON messages (conversation_id, ts, id);

      -- Contentless: the index never holds a copy of the text, and with contentless_delete
      -- plus secure-delete a deleted message's tokens are really removed from it.
      CREATE VIRTUAL TABLE messages_fts USING fts5 (
        text, content = '', contentless_delete = 1, tokenize = 'trigram'
      );
      INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);

      -- Frames the server has not acknowledged yet, in the order they must go out.
      -- A send's text stays in messages (never copied here).
      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('send', 'cmd')),
        conversation_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        reason TEXT,
        transmitted INTEGER NOT NULL DEFAULT 0 CHECK (transmitted IN (0, 1)),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX outbox_by_message ON outbox (message_id);

      CREATE TABLE tombstones (
        msg_id TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL,
        withdrawn_by TEXT NOT NULL,
        author TEXT NOT NULL,
        at INTEGER NOT NULL,
        message_ts INTEGER,
        reason TEXT,
        status TEXT NOT NULL CHECK (status IN ('applied', 'pending'))
      ) STRICT;

      CREATE TABLE reedit_drafts (
        msg_id TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX reedit_drafts_by_expiry ON reedit_drafts (expires_at);
    `)
  },
}
