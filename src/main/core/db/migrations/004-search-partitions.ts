import type { Migration } from '../../../../node/sqlite/migrate'

/**
 * The search index split by age into `messages_fts_recent` and `messages_fts_archive`
 * (see db/queries/search-index.ts for why). The contentless old index holds no text to
 * copy, so the entries are rebuilt from `messages`, each straight into its partition by
 * age: moving a long history through the rollover instead costs FTS5 merges of seconds.
 * (The rollover later uses the local clock corrected by the server's; a little skew here
 * is harmless, it only decides where an entry starts.)
 */
const RECENT_DAYS = 3
export const searchPartitions: Migration = {
  version: 4,
  name: 'search-partitions',
  up(db) {
    db.exec(`
      CREATE VIRTUAL TABLE messages_fts_recent USING fts5 (
        text, content = '', contentless_delete = 1, tokenize = 'trigram'
      );
      INSERT INTO messages_fts_recent (messages_fts_recent, rank) VALUES ('secure-delete', 1);
      CREATE VIRTUAL TABLE messages_fts_archive USING fts5 (
        text, content = '', contentless_delete = 1, tokenize = 'trigram'
      );
      INSERT INTO messages_fts_archive (messages_fts_archive, rank) VALUES ('secure-delete', 1);

      DROP TABLE messages_fts;
    `)
    const cutoff = Date.now() - RECENT_DAYS * 24 * 60 * 60 * 1000
    db.prepare(`INSERT INTO messages_fts_recent (rowid, text) SELECT row_id, text FROM messages WHERE kind = 'text' AND ts >= ?`).run(cutoff)
    db.prepare(`INSERT INTO messages_fts_archive (rowid, text) SELECT row_id, text FROM messages WHERE kind = 'text' AND ts < ?`).run(cutoff)
  },
}
