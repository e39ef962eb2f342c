import type { Migration } from '../../../../node/sqlite/migrate'

/**
 * Replies and per-profile settings.
 *
 * A reply stores only the id of the message it quotes, never a copy of its text: the
 * quote is resolved from the quoted row whenever it is shown, so when that message is
 * withdrawn (its row becomes a notice) every copy of the quote changes with it.
 */
export const repliesAndSettings: Migration = {
  version: 2,
  name: 'replies-settings',
  up(db) {
    db.exec(`
      ALTER TABLE messages ADD COLUMN reply_to TEXT;
      CREATE INDEX messages_by_reply_to ON messages (reply_to) WHERE reply_to IS NOT NULL;

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `)
  },
}
