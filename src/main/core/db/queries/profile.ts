import type { Database } from 'better-sqlite3'

/**
 * Forget everything one account left in this profile (another account signs in here).
 * The device id stays: it names this installation, not the account.
 */
export function wipeAccountData(db: Database): void {
  db.transaction(() => {
    db.exec(`
      INSERT INTO messages_fts (messages_fts) VALUES ('delete-all');
      DELETE FROM messages;
      DELETE FROM conversations;
      DELETE FROM outbox;
      DELETE FROM tombstones;
      DELETE FROM reedit_drafts;
      DELETE FROM meta WHERE key NOT IN ('deviceId');
    `)
  })()
}
