import type { Database } from 'better-sqlite3'
import { clearIndex } from './search-index'

/**
 * Forget everything one account left in this profile (another account signs in here).
 * The device id stays: it names this installation, not the account.
 */
export function wipeAccountData(db: Database): void {
  db.transaction(() => {
    clearIndex(db)
    db.exec(`
      DELETE FROM messages;
      DELETE FROM conversations;
      DELETE FROM outbox;
      DELETE FROM tombstones;
      DELETE FROM reedit_drafts;
      DELETE FROM meta WHERE key NOT IN ('deviceId');
    `)
  })()
}
